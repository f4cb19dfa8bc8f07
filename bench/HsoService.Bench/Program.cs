using BenchmarkDotNet.Running;
using HsoService.Bench;

// dotnet run -c Release --project bench/HsoService.Bench -- --filter '*'
// dotnet run -c Release --project bench/HsoService.Bench -- oracle SOLVER NFE MEASUREMENTS OUTDIR [NAME=t,..]...
if (args.Length > 0 && args[0] == "oracle")
{
    return HeldOutOracle.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
