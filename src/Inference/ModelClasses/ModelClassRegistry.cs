using HsoService.Inference.ModelClasses.ClassConditionalPixel;
using HsoService.Inference.ModelClasses.Flux;
using HsoService.Inference.ModelClasses.StableDiffusion;
using HsoService.Inference.ModelClasses.StableDiffusion3;
using HsoService.Inference.ModelClasses.StableDiffusionXl;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;

namespace HsoService.Inference.ModelClasses;

/// <summary>
/// Every model class the service serves, one line each, tried in order (the more specific first: an SDXL folder
/// also looks like a Stable Diffusion one). Nothing outside this file asks which class a model is.
/// </summary>
public static class ModelClassRegistry
{
    public static IReadOnlyList<IModelClass> All { get; } =
    [
        new StableDiffusion3Class(),
        new FluxClass(),
        new StableDiffusionXlClass(),
        new StableDiffusionClass(),
        new ClassConditionalPixelClass(),
    ];

    /// <summary>The class of a folder; throws naming its <c>_class_name</c> and the classes served when none takes it.</summary>
    public static IModelClass Recognise(ModelFolder folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return All.FirstOrDefault(c => c.Recognises(folder)) ?? throw new ModelLoadException(
            $"{Path.Combine(folder.Root, "model_index.json")}: _class_name '{folder.ClassName}' is not a model class this service serves; it serves "
            + string.Join(", ", All.Select(c => $"{c.Name} ({string.Join(", ", c.PipelineClassNames)})")));
    }

    /// <summary>Recognises and loads a folder.</summary>
    public static DiffusionPipeline Load(ModelFolder folder, OnnxSessionFactory sessions) => Recognise(folder).Load(folder, sessions);
}
