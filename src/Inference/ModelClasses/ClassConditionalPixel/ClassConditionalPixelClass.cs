using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.ModelClasses.ClassConditionalPixel;

/// <summary>
/// Class-conditional pixel-space models like digits16-ddpm: model_index.json names <c>num_class_embeds</c> and
/// <c>null_class_label</c>, the unet takes <c>class_labels</c>, and there is no text encoder.
/// </summary>
public sealed class ClassConditionalPixelClass : IModelClass
{
    public string Name => "class_conditional_pixel";

    public IReadOnlyList<string> PipelineClassNames => ["ClassConditionalPixelPipeline"];

    // UniPC: the best few-step solver measured here (docs/sampling.md), whatever scheduler the export ships.
    public SolverKind DefaultSolver => SolverKind.UniPc;

    public bool Recognises(ModelFolder folder) =>
        folder.ClassName == "ClassConditionalPixelPipeline"
        || (folder.Index.ValueKind == System.Text.Json.JsonValueKind.Object && folder.Index.TryGetProperty("num_class_embeds", out _) && !folder.Has("text_encoder"));

    public DiffusionPipeline Load(ModelFolder folder, OnnxSessionFactory sessions) => new PixelDiffusionPipeline(folder, sessions);
}
