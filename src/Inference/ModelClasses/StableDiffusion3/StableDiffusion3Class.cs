using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.ModelClasses.StableDiffusion3;

/// <summary>
/// Stable Diffusion 3 / 3.5 in optimum's ONNX layout: two CLIP text encoders with projection, an optional T5 encoder
/// (text_encoder_3), an MMDiT <c>transformer</c> predicting the flow's velocity, vae_decoder.
/// </summary>
public sealed class StableDiffusion3Class : IModelClass
{
    private static readonly string[] ClassNames = ["StableDiffusion3Pipeline", "ORTStableDiffusion3Pipeline"];

    public string Name => "stable_diffusion_3";

    public IReadOnlyList<string> PipelineClassNames => ClassNames;

    // UniPC: the best few-step solver measured here on a flow as on a DDPM (docs/flow-matching.md).
    public SolverKind DefaultSolver => SolverKind.UniPc;

    public bool Recognises(ModelFolder folder) =>
        ClassNames.Contains(folder.ClassName) || (folder.ClassName.Length == 0 && folder.Has("transformer") && folder.Has("text_encoder_2") && folder.Has("tokenizer_2") && !folder.Has("unet") && folder.Has("text_encoder_3"));

    public DiffusionPipeline Load(ModelFolder folder, OnnxSessionFactory sessions) => new StableDiffusion3Pipeline(folder, sessions);
}
