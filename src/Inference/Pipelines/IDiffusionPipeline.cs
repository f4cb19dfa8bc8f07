using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Inference.Pipelines;

/// <summary>What every loaded model offers, whatever its pipeline.</summary>
public interface IDiffusionPipeline : IDisposable
{
    ModelFolder Folder { get; }

    PipelineKind Kind { get; }

    NoiseSchedule Noise { get; }

    /// <summary>The execution provider the unet runs on.</summary>
    ExecutionProvider Provider { get; }

    /// <summary>True when the unet takes only trained integer timesteps.</summary>
    bool DiscreteTime { get; }
}
