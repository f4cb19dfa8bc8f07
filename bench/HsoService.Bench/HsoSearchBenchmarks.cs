using BenchmarkDotNet.Attributes;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Search;

namespace HsoService.Bench;

/// <summary>The full HSO bi-level search (differential evolution + lower level + polish), single thread, sd preset, UniPC.</summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class HsoSearchBenchmarks
{
    private readonly NoiseSchedule _noise = NoiseSchedule.FromConfig(NoiseSchedulePresets.StableDiffusion);

    [Params(4, 5, 8, 10)]
    public int Nfe { get; set; }

    [Params(ScheduleMode.Paper, ScheduleMode.Robust)]
    public ScheduleMode Mode { get; set; }

    [Benchmark]
    public double Search() =>
        HsoOptimizer.Optimize(_noise, new HsoOptions { Mode = Mode, Solver = SolverKind.UniPc, Nfe = Nfe }).Fitness;
}
