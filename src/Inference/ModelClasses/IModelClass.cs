using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.ModelClasses;

/// <summary>
/// A model class: it recognises its folders (model_index.json's <c>_class_name</c> and components) and loads them
/// as a <see cref="DiffusionPipeline"/>, which owns everything else the class decides. Registered once, in
/// <see cref="ModelClassRegistry"/>.
/// </summary>
public interface IModelClass
{
    /// <summary>The wire name (<c>GET /models</c>' <c>pipeline</c>), for example <c>stable_diffusion_xl</c>.</summary>
    string Name { get; }

    /// <summary>diffusers' pipeline class names this class serves, for messages.</summary>
    IReadOnlyList<string> PipelineClassNames { get; }

    /// <summary>The solver a request without one gets (unless the model's configuration names another).</summary>
    SolverKind DefaultSolver { get; }

    /// <summary>True when the folder is one of this class's.</summary>
    bool Recognises(ModelFolder folder);

    /// <summary>Opens the folder's graphs and files; throws <see cref="ModelLoadException"/> naming what is missing or wrong.</summary>
    DiffusionPipeline Load(ModelFolder folder, OnnxSessionFactory sessions);
}
