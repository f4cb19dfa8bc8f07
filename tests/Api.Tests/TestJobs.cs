using HsoService.Api.Schedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Api.Tests;

/// <summary>Queued optimization jobs for tests that talk to a queue directly.</summary>
internal static class TestJobs
{
    public static OptimizationJob Create(string key, string model = "m", string solver = "unipc", int nfe = 4, string mode = "robust") => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        Key = key,
        Model = model,
        Solver = Solvers.Parse(solver),
        Nfe = nfe,
        Mode = ScheduleModes.ParseRequestMode(mode),
        Seed = 66,
        CreatedAt = DateTimeOffset.UtcNow,
    };
}
