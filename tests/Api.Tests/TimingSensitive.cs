namespace HsoService.Api.Tests;

/// <summary>
/// Tests whose claims are about time (a worker renewing its claim every second, a selection finishing within a
/// minute) run in this collection: alone, after the parallel ones, so the suite's own heavy tests (1024 x 1024
/// generations, other service processes) cannot starve their thread pool. A clean-clone run saw a claim renewal
/// starved past its 3 s idle time while they ran beside it (RedisClusterTests, attempts 2).
/// </summary>
[CollectionDefinition(nameof(TimingSensitive), DisableParallelization = true)]
public sealed class TimingSensitive;
