using System.Security.Cryptography;
using System.Text;
using HsoService.Optimization.Schedules;

namespace HsoService.Api.Schedules;

/// <summary>
/// Identifies a cached schedule: model, solver, NFE, mode, and a short hash of any non-default search option (today
/// the seed), so different options never overwrite each other. Text form <c>model:solver:nfe:mode[:hash]</c>.
/// </summary>
public sealed record ScheduleKey(string Model, SolverKind Solver, int Nfe, ScheduleMode Mode, string? OptionsHash = null)
{
    public const int DefaultSeed = Optimization.Search.HsoOptions.DefaultSeed;

    public static ScheduleKey For(string model, SolverKind solver, int nfe, ScheduleMode mode, int seed) =>
        new(model, solver, nfe, mode, seed == DefaultSeed ? null : Hash($"seed={seed}"));

    public override string ToString() =>
        $"{Model}:{Solver.Name()}:{Nfe}:{Mode.Name()}" + (OptionsHash is null ? "" : $":{OptionsHash}");

    private static string Hash(string options) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(options)))[..8];
}
