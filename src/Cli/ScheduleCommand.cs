using System.CommandLine;
using HsoService.Optimization.Families;
using HsoService.Optimization.Schedules;

namespace HsoService.Cli;

/// <summary><c>hso schedule</c>: print a baseline family's schedule, scored with the same MEP and SPF as HSO.</summary>
internal static class ScheduleCommand
{
    public static Command Create()
    {
        var config = CommonOptions.SchedulerConfig();
        var solver = CommonOptions.Solver();
        var nfe = CommonOptions.Nfe();
        var json = CommonOptions.Json();
        var family = new Option<string>("--family")
        {
            Description = $"one of {string.Join(", ", ScheduleFamilies.Names)}, optionally with a variant: uniform_t:trailing|leading|linspace, edm:<rho>, ays:sd15|sdxl",
            Required = true,
        };
        var tMax = new Option<double?>("--t-max") { Description = "first time (continuous families; default 1)" };
        var eps = new Option<double?>("--eps") { Description = "last time (continuous families; default 1/N)" };

        var command = new Command("schedule", "Print a baseline schedule family for a noise schedule, solver and NFE")
        {
            config, family, solver, nfe, tMax, eps, json,
        };
        command.SetAction(result =>
        {
            var noise = SchedulerConfigSource.Load(result.GetRequiredValue(config));
            var schedule = ScheduleFamilies.Build(
                noise,
                result.GetRequiredValue(family),
                Solvers.Parse(result.GetRequiredValue(solver)),
                result.GetValue(nfe),
                new FamilyOptions { TMax = result.GetValue(tMax), Eps = result.GetValue(eps) });
            ScheduleOutput.Write(schedule, noise, result.GetValue(json), Console.Out);
            return 0;
        });
        return command;
    }
}
