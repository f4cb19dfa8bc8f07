using HsoService.Optimization.Families;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Search;

namespace HsoService.Optimization.Schedules;

/// <summary>
/// Schedules by the names users type: a family (<c>uniform_t</c>, <c>edm:5</c>, <c>ays:sdxl</c>, ...) or an HSO mode
/// (<c>hso-paper</c>, <c>hso-robust</c>, with the default seed and bounds).
/// </summary>
public static class NamedSchedules
{
    public const string HsoPaper = "hso-paper";
    public const string HsoRobust = "hso-robust";

    /// <summary>Every name accepted, variants aside.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. ScheduleFamilies.Names, HsoPaper, HsoRobust];

    public static Schedule Build(NoiseSchedule noise, string name, SolverKind solver, int nfe, int seed = Search.HsoOptions.DefaultSeed) => name.Trim() switch
    {
        HsoPaper => HsoOptimizer.Optimize(noise, new HsoOptions { Mode = ScheduleMode.Paper, Solver = solver, Nfe = nfe, Seed = seed }),
        HsoRobust => HsoOptimizer.Optimize(noise, new HsoOptions { Mode = ScheduleMode.Robust, Solver = solver, Nfe = nfe, Seed = seed }),
        var family when ScheduleFamilies.IsFamily(family) => ScheduleFamilies.Build(noise, family, solver, nfe),
        _ => throw new HsoArgumentException($"schedule '{name}' is not one of {string.Join(", ", Names)}", "schedule"),
    };
}
