using HsoService.Inference.Denoising;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Optimization.NoiseSchedules;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Inference.Pipelines;

/// <summary>
/// What every loaded model shares, whatever its pipeline: its folder, noise schedule and prediction type, and the unet
/// graph, opened once and checked at load time for a float <c>sample</c>, the pipeline's conditioning input and a
/// usable <c>timestep</c>.
/// </summary>
public abstract class DiffusionPipeline : IDisposable
{
    protected DiffusionPipeline(ModelFolder folder, PipelineKind kind, OnnxSessionFactory sessions, string conditioning, TensorElementType conditioningType)
    {
        if (folder.Kind != kind)
        {
            throw new ModelLoadException($"model folder '{folder.Root}' is a {folder.Kind} model, not {kind}");
        }

        Folder = folder;
        Noise = NoiseSchedule.FromConfig(folder.Scheduler);
        PredictionType = PredictionTypes.Parse(folder.Scheduler.PredictionType);
        Unet = sessions.Open(folder.UnetPath, "unet/model.onnx");
        Unet.RequireType("sample", TensorElementType.Float);
        Unet.RequireType(conditioning, conditioningType);
        using var probe = new TimestepInput(Unet, 1);
        DiscreteTime = probe.IsDiscrete;
    }

    public ModelFolder Folder { get; }

    public PipelineKind Kind => Folder.Kind;

    public NoiseSchedule Noise { get; }

    public PredictionType PredictionType { get; }

    /// <summary>The shared unet graph, for callers that build their own denoisers or time raw runs.</summary>
    public OnnxGraph Unet { get; }

    /// <summary>The execution provider the unet runs on.</summary>
    public ExecutionProvider Provider => Unet.Provider;

    /// <summary>True when the unet takes only trained integer timesteps.</summary>
    public bool DiscreteTime { get; }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Unet.Dispose();
        }
    }
}
