using BenchmarkDotNet.Running;
using HsoService.Bench;

// dotnet run -c Release --project bench/HsoService.Bench -- --filter '*'
// dotnet run -c Release --project bench/HsoService.Bench -- oracle SOLVER NFE MEASUREMENTS OUTDIR [NAME=t,..]...
// dotnet run -c Release --project bench/HsoService.Bench -- calibration ORACLE_DIR K DRAWS
// dotnet run -c Release --project bench/HsoService.Bench -- strategies OUTDIR SOLVERS NFES STRATEGIES HELDOUT_SAMPLES   (bench/strategies.sh)
// dotnet run -c Release --project bench/HsoService.Bench -- load URL MODEL_DIR SECONDS MAX_BATCH N...   (bench/load.sh)
// dotnet run -c Release --project bench/HsoService.Bench -- determinism RUNS GRAPH...   (bench/determinism.sh)
switch (args.FirstOrDefault())
{
    case "oracle":
        return HeldOutOracle.Run(args[1..]);
    case "calibration":
        return CalibrationCheck.Run(args[1..]);
    case "strategies":
        return StrategyComparison.Run(args[1..]);
    case "load":
        return LoadTest.Run(args[1..]);
    case "determinism":
        return DeterminismProbe.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
