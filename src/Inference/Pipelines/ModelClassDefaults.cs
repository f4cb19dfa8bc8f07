namespace HsoService.Inference.Pipelines;

/// <summary>
/// What a loaded model takes and assumes: the conditioning fields it accepts (wire names), phrases saying what it is
/// and what it takes for error messages, and its defaults for image size and guidance scale (its class's default solver is
/// <see cref="ModelClasses.IModelClass.DefaultSolver"/>, known before the graphs load).
/// </summary>
public sealed record ModelClassDefaults(IReadOnlyList<string> Fields, string Description, string Takes, int Width, int Height, double GuidanceScale);
