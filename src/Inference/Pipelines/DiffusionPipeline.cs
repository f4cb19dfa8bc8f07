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

    /// <summary>The first of a batch's requests, after checking each is valid and samples like it.</summary>
    protected static T SharedShape<T>(IReadOnlyList<T> requests, Action<T> validate, Func<T, string> shape, string shared)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var first = requests.Count > 0 ? requests[0] : throw new ArgumentException("at least one request is needed", nameof(requests));
        var firstShape = shape(first);
        foreach (var request in requests)
        {
            validate(request);
            if (shape(request) != firstShape)
            {
                throw new ArgumentException($"a batch's requests must share {shared}", nameof(requests));
            }
        }

        return first;
    }

    /// <summary>A batch's images cut back into each request's: <paramref name="counts"/> images of <paramref name="imageSize"/> values each.</summary>
    protected static float[][] Split(float[] images, IEnumerable<int> counts, int imageSize)
    {
        var offset = 0;
        return [.. counts.Select(count =>
        {
            var part = images.AsSpan(offset, count * imageSize).ToArray();
            offset += part.Length;
            return part;
        })];
    }

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
