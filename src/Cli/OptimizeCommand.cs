using System.CommandLine;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Search;

namespace HsoService.Cli;

/// <summary><c>hso optimize</c>: run the HSO bi-level search for one solver and NFE.</summary>
internal static class OptimizeCommand
{
    public static Command Create()
    {
        var defaults = new HsoOptions();
        var config = CommonOptions.SchedulerConfig();
        var solver = CommonOptions.Solver();
        var nfe = CommonOptions.Nfe();
        var json = CommonOptions.Json();
        var mode = new Option<string>("--mode") { Description = "paper (as published) or robust (spacing rule kept)", DefaultValueFactory = _ => "robust" };
        mode.AcceptOnlyFromAmong([.. ScheduleModes.OptimizerNames]);
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
            config, solver, nfe, mode, seed, rho, eps, tMax, p, population, iterations, noPolish, json,
        };
        command.SetAction(result =>
        {
            var noise = SchedulerConfigSource.Load(result.GetRequiredValue(config));
            var options = new HsoOptions
            {
                Mode = ScheduleModes.ParseOptimizerMode(result.GetRequiredValue(mode)),
                Solver = Solvers.Parse(result.GetRequiredValue(solver)),
                Nfe = result.GetValue(nfe),
                Seed = result.GetValue(seed),
                Rho = CommonOptions.ParseRange(result.GetValue(rho), "--rho"),
                Eps = CommonOptions.ParseRange(result.GetValue(eps), "--eps"),
                TMax = CommonOptions.ParseRange(result.GetValue(tMax), "--t-max"),
                P = result.GetValue(p),
                PopulationSize = result.GetValue(population),
                MaxIterations = result.GetValue(iterations),
                Polish = !result.GetValue(noPolish),
            };
            var schedule = HsoOptimizer.Optimize(noise, options);
            ScheduleOutput.Write(schedule, result.GetValue(json), Console.Out);
            return 0;
        });
        return command;
    }
}
