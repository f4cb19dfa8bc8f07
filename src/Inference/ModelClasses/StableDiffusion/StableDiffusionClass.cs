using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.ModelClasses.StableDiffusion;

/// <summary>
/// Stable Diffusion 1.x / 2.x in the optimum (or legacy diffusers) ONNX layout: one CLIP text encoder and tokenizer,
/// unet, vae_decoder.
/// </summary>
public sealed class StableDiffusionClass : IModelClass
{
    private static readonly string[] ClassNames = ["StableDiffusionPipeline", "OnnxStableDiffusionPipeline", "ORTStableDiffusionPipeline"];

    public string Name => "stable_diffusion";

    public IReadOnlyList<string> PipelineClassNames => ClassNames;

    // UniPC: the best few-step solver measured here (docs/sampling.md), whatever scheduler the export ships.
    public SolverKind DefaultSolver => SolverKind.UniPc;

    public bool Recognises(ModelFolder folder) =>
        ClassNames.Contains(folder.ClassName) || (folder.ClassName.Length == 0 && folder.Has("text_encoder") && !folder.Has("text_encoder_2"));

    public DiffusionPipeline Load(ModelFolder folder, OnnxSessionFactory sessions) => new StableDiffusionPipeline(folder, sessions);
}
