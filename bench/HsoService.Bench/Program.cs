using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/HsoService.Bench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
