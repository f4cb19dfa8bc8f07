using System.CommandLine;
using HsoService.Inference.Onnx;
using HsoService.Inference.Requests;
using HsoService.Inference.Storage;
using HsoService.Inference.Validation;
using HsoService.Optimization;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Search;

namespace HsoService.Cli;

/// <summary>
/// <c>hso optimize</c>: run the HSO bi-level search for one solver and NFE on a noise schedule, or (mode validated) the
/// search driven by sample quality measured on a model.
/// </summary>
internal static class OptimizeCommand
{
    public static Command Create()
    {
        var defaults = new HsoOptions();
        var config = CommonOptions.SchedulerConfig(required: false);
        var model = new Option<string?>("--model") { Description = "a model id under models/ or a model folder (mode validated measures on it)" };
        var provider = ModelSource.ProviderOption();
        var device = ModelSource.DeviceOption();
        var cache = new Option<string?>("--cache-dir") { Description = "where measured modes cache their calibration runs (default: calibration/ of --data-dir, as the service)" };
        var validation = ValidationOptions.Create();
        var data = CommonOptions.DataDirectory();
        var solver = CommonOptions.Solver();
        var nfe = CommonOptions.Nfe();
        var json = CommonOptions.Json();
        var mode = new Option<string>("--mode")
        {
            Description = "selected (the best candidate measured on --model; the default with --model), validated (searched on --model), paper (as published) or robust (spacing rule kept; the default with --scheduler-config)",
        };
        mode.AcceptOnlyFromAmong([.. ScheduleModes.RequestNames]);
        var seed = new Option<int>("--seed") { Description = "seed of the differential evolution", DefaultValueFactory = _ => defaults.Seed };
        var rho = CommonOptions.Range("--rho", "bounds of rho, as min,max", defaults.Rho);
        var eps = CommonOptions.Range("--eps", "bounds of eps (final time), as min,max", defaults.Eps);
        var tMax = CommonOptions.Range("--t-max", "bounds of T_max (first time), as min,max", defaults.TMax);
        var p = new Option<double>("--p") { Description = "exponent of sigma in MEP's eps_tilde", DefaultValueFactory = _ => defaults.P };
        var population = new Option<int>("--popsize") { Description = "population per search parameter", DefaultValueFactory = _ => defaults.PopulationSize };
        var iterations = new Option<int>("--maxiter") { Description = "most generations", DefaultValueFactory = _ => defaults.MaxIterations };
        var noPolish = new Option<bool>("--no-polish") { Description = "skip the local polish of the best member" };

        var command = new Command("optimize", "Find the HSO schedule for a noise schedule, solver and NFE")
        {
            config, model, solver, nfe, mode, seed, rho, eps, tMax, p, population, iterations, noPolish, json, provider, device, cache, data,
        };
        validation.AddTo(command);
        command.SetAction(result =>
        {
            var modeName = result.GetValue(mode) ?? (result.GetValue(model) is null ? "robust" : ScheduleModes.DefaultRequestMode);
            if (modeName != ValidationOptions.Name && validation.StrategyGiven(result))
            {
                throw new HsoArgumentException($"--strategy applies to --mode validated only, not {modeName}; leave it out or give --mode validated", "strategy");
            }

            if (modeName is ScheduleModes.DefaultRequestMode or ValidationOptions.Name)
            {
                // Both measure schedules on the model: the selection once per candidate, the validated search far more.
                var selection = modeName == ScheduleModes.DefaultRequestMode;
                var modelId = result.GetValue(model) ?? throw new HsoArgumentException($"--mode {modeName} measures schedules on a model: give --model", "model");
                var sessions = ModelSource.Sessions(result.GetRequiredValue(provider), result.GetValue(device), validation.Batch(result));
                using var pipeline = ModelSource.Open(modelId, sessions);
                using var measured = new ModelValidation(pipeline, sessions, validation.Settings(result, result.GetValue(cache) ?? DataDirectory.Calibration(result.GetRequiredValue(data))));
                var measuredMode = selection ? ScheduleMode.Selected : ScheduleMode.Validated;
                if (!measured.HasFeatureScore)
                {
                    throw ModelValidation.NotMeasurable(modelId, measuredMode, "--mode");
                }

                var nfeValue = RequestLimits.OptimizeNfe.Check(result.GetValue(nfe), "nfe");
                var solverKind = Solvers.Parse(result.GetRequiredValue(solver));
                var chosen = ConsoleProgress.Run($"{(selection ? "selection" : "validated search")}, {solverKind.Name()} nfe {nfeValue}", 1.0, report => selection
                    ? measured.Select(solverKind, nfeValue, progress: report)
                    : measured.Optimize(solverKind, nfeValue, progress: report));
                ScheduleOutput.Write(chosen, pipeline.Noise, result.GetValue(json), Console.Out, pipeline.DiscreteTime);
                // Stored where generate's auto and a service on this data directory read it, when it is what they
                // would have measured: the service's settings (no measurement option given) and its default strategy.
                if (validation.AllDefault(result))
                {
                    var key = ScheduleKey.For(ModelSource.Id(modelId), solverKind, nfeValue, measuredMode, ScheduleKey.DefaultSeed);
                    if (new ScheduleCache(result.GetRequiredValue(data)).Write(key, chosen) is { } path)
                    {
                        Console.Error.WriteLine($"stored in {path}");
                    }
                }

                return 0;
            }

            var noise = SchedulerConfigSource.Load(result.GetValue(config) ?? throw new HsoArgumentException("--scheduler-config is required (or --model with --mode selected or validated)", "scheduler-config"));
            var options = new HsoOptions
            {
                Mode = ScheduleModes.ParseOptimizerMode(modeName),
                Solver = Solvers.Parse(result.GetRequiredValue(solver)),
                Nfe = RequestLimits.OptimizeNfe.Check(result.GetValue(nfe), "nfe"),
                Seed = (int)RequestLimits.OptimizerSeed.Check(result.GetValue(seed), "seed"),
                Rho = CommonOptions.ParseRange(result.GetValue(rho), "--rho"),
                Eps = CommonOptions.ParseRange(result.GetValue(eps), "--eps"),
                TMax = CommonOptions.ParseRange(result.GetValue(tMax), "--t-max"),
                P = result.GetValue(p),
                PopulationSize = result.GetValue(population),
                MaxIterations = result.GetValue(iterations),
                Polish = !result.GetValue(noPolish),
            };
            var schedule = HsoOptimizer.Optimize(noise, options);
            ScheduleOutput.Write(schedule, noise, result.GetValue(json), Console.Out);
            return 0;
        });
        return command;
    }
}
