using System.Diagnostics;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Optimization.Families;

/// <summary>The registry of baseline families, and the one way to turn a family name into a <see cref="Schedule"/>.</summary>
public static class ScheduleFamilies
{
    private static readonly IScheduleFamily[] All =
    [
        new UniformTimeFamily(),
        new UniformLambdaFamily(),
        new EdmFamily(),
        new QuadraticTimeFamily(),
        new AlignYourStepsFamily(),
        new FlowShiftFamily(),
        new ModelDefaultFamily(),
    ];

    /// <summary>Family names, without variants.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(f => f.Name).ToArray();

    /// <summary>True when <paramref name="name"/> (optionally with a <c>:variant</c>) names a family.</summary>
    public static bool IsFamily(string name) => All.Any(f => f.Name == name.Split(':', 2)[0]);

    /// <summary>
    /// Builds the schedule of family <paramref name="name"/> (<c>edm</c>, <c>uniform_t:leading</c>, <c>ays:sdxl</c>, ...)
    /// for a solver and NFE. A variant in the name overrides <see cref="FamilyOptions.Variant"/>.
    /// </summary>
    public static Schedule Build(NoiseSchedule noise, string name, SolverKind solver, int nfe, FamilyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(name);
        var stopwatch = Stopwatch.StartNew();
        Solvers.ValidateNfe(nfe, noise.TrainSteps, limit: noise.TrainSteps);
        var parts = name.Trim().Split(':', 2);
        var family = All.FirstOrDefault(f => f.Name == parts[0])
            ?? throw new HsoArgumentException($"family '{name}' is not one of {string.Join(", ", Names)}", "family");
        options ??= new FamilyOptions();
        if (parts.Length == 2)
        {
            options = options with { Variant = parts[1] };
        }

        var variant = options.Variant ?? family.DefaultVariant;
        var warnings = new List<string>();
        var times = family.Times(noise, solver, nfe, options, warnings);
        double? rho = family is EdmFamily ? double.Parse(variant!, System.Globalization.CultureInfo.InvariantCulture) : null;
        var schedule = ScheduleBuilder.Build(
            noise,
            solver,
            nfe,
            times,
            ScheduleMode.Family,
            new ScheduleParameters(rho, times[^1], times[0]),
            variant is null ? family.Name : $"{family.Name}:{variant}",
            warnings: warnings);
        return schedule with { ElapsedMs = stopwatch.Elapsed.TotalMilliseconds };
    }
}
