using System.Security.Cryptography;
using System.Text;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Validated;

namespace HsoService.Inference.Storage;

/// <summary>
/// Identifies a cached schedule: model, solver, NFE, mode, and a short hash of any non-default search option (the
/// seed, a validated search's strategy), so different options never overwrite each other. Text form
/// <c>model:solver:nfe:mode[:hash]</c>.
/// </summary>
public sealed record ScheduleKey(string Model, SolverKind Solver, int Nfe, ScheduleMode Mode, string? OptionsHash = null)
{
    public const int DefaultSeed = Optimization.Search.HsoOptions.DefaultSeed;

    /// <summary>The key; the default strategy (or none) adds nothing, so asking for it by name finds the default's schedule.</summary>
    public static ScheduleKey For(string model, SolverKind solver, int nfe, ScheduleMode mode, int seed, ValidatedStrategy? strategy = null)
    {
        var options = new List<string>();
        if (seed != DefaultSeed)
        {
            options.Add($"seed={seed}");
        }

        if (strategy is { } named && named != ValidatedStrategies.Default)
        {
            options.Add($"strategy={named.Name()}");
        }

        return new(model, solver, nfe, mode, options.Count == 0 ? null : Hash(string.Join('&', options)));
    }

    public override string ToString() =>
        $"{Model}:{Solver.Name()}:{Nfe}:{Mode.Name()}" + (OptionsHash is null ? "" : $":{OptionsHash}");

    private static string Hash(string options) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(options)))[..8];
}
