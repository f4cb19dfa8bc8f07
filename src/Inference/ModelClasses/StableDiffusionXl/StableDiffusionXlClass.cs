using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.ModelClasses.StableDiffusionXl;

/// <summary>
/// Stable Diffusion XL in optimum's ONNX layout (what <c>optimum-cli export onnx</c> writes for
/// stabilityai/stable-diffusion-xl-base-1.0): two CLIP text encoders and tokenizers, a unet that also takes
/// <c>text_embeds</c> and <c>time_ids</c>, vae_decoder.
/// </summary>
public sealed class StableDiffusionXlClass : IModelClass
{
    private static readonly string[] ClassNames = ["StableDiffusionXLPipeline", "ORTStableDiffusionXLPipeline", "OnnxStableDiffusionXLPipeline"];

    public string Name => "stable_diffusion_xl";

    public IReadOnlyList<string> PipelineClassNames => ClassNames;

    // UniPC: the best few-step solver measured here (docs/sampling.md), whatever scheduler the export ships.
    public SolverKind DefaultSolver => SolverKind.UniPc;

    public bool Recognises(ModelFolder folder) =>
        ClassNames.Contains(folder.ClassName) || (folder.ClassName.Length == 0 && folder.Has("text_encoder_2") && folder.Has("unet"));

    public DiffusionPipeline Load(ModelFolder folder, OnnxSessionFactory sessions) => new StableDiffusionXlPipeline(folder, sessions);
}
