using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.ModelClasses.Flux;

/// <summary>
/// FLUX.1 in optimum's ONNX layout: a CLIP text encoder (pooled), a T5 encoder (text_encoder_2), a guidance-distilled
/// <c>transformer</c> over packed latent tokens predicting the flow's velocity, vae_decoder.
/// </summary>
public sealed class FluxClass : IModelClass
{
    private static readonly string[] ClassNames = ["FluxPipeline", "ORTFluxPipeline"];

    public string Name => "flux";

    public IReadOnlyList<string> PipelineClassNames => ClassNames;

    // UniPC: the best few-step solver measured here on a flow as on a DDPM (docs/flow-matching.md).
    public SolverKind DefaultSolver => SolverKind.UniPc;

    public bool Recognises(ModelFolder folder) =>
        ClassNames.Contains(folder.ClassName) || (folder.ClassName.Length == 0 && folder.Has("transformer") && folder.Has("text_encoder_2") && !folder.Has("text_encoder_3"));

    public DiffusionPipeline Load(ModelFolder folder, OnnxSessionFactory sessions) => new FluxPipeline(folder, sessions);
}
