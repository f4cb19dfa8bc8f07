using System.CommandLine;
using System.Globalization;
using HsoService.Optimization;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Search;

namespace HsoService.Cli;

/// <summary>Options shared by the verbs, so each is spelled and described once.</summary>
internal static class CommonOptions
{
    public static Option<string> SchedulerConfig(bool required = true) => new("--scheduler-config")
    {
        Description = $"a preset ({string.Join(", ", NoiseSchedulePresets.Names)}), a scheduler_config.json, or a diffusers model folder",
        Required = required,
    };

    public static Option<string> Solver()
    {
        var option = new Option<string>("--solver") { Description = "sampler the schedule is for", DefaultValueFactory = _ => "unipc" };
        AcceptSolverNames(option);
        return option;
    }

    /// <summary>The solver of a command that samples a model: default the model class's, as the service's.</summary>
    public static Option<string?> ModelSolver()
    {
        var option = new Option<string?>("--solver") { Description = "sampler (default: the model's, as GET /models lists it)" };
        AcceptSolverNames(option);
        return option;
    }

    // The service's names, case ignored as the API ignores it (AcceptOnlyFromAmong would not).
    private static void AcceptSolverNames(Option option)
    {
        option.Description += $"; one of {string.Join(", ", Solvers.AcceptedNames)} (case ignored)";
        option.CompletionSources.Add([.. Solvers.AcceptedNames]);
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && !Solvers.AcceptedNames.Contains(result.Tokens[^1].Value.Trim().ToLowerInvariant()))
            {
                result.AddError($"--solver '{result.Tokens[^1].Value}' is not one of {string.Join(", ", Solvers.AcceptedNames)} (case ignored; euler is the same update as ddim)");
            }
        });
    }

    /// <summary>The data directory the service uses (<c>Hso:DataDirectory</c>), so both keep their measurements in one place.</summary>
    public static Option<string> DataDirectory() => new("--data-dir")
    {
        Description = "where measured schedules are kept, shared with a service on this machine (Hso:DataDirectory; default: $Hso__DataDirectory, else ~/.local/share/hso/data)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Hso__DataDirectory") is { Length: > 0 } configured ? configured : Inference.Storage.DataDirectory.Default,
    };

    public static Option<int> Nfe() => new("--nfe") { Description = "number of model evaluations", Required = true };

    public static Option<bool> Json() => new("--json") { Description = "print one JSON schedule (snake_case) and nothing else" };

    public static Option<string> Range(string name, string description, Bounds defaults) =>
        new(name) { Description = description, DefaultValueFactory = _ => string.Create(CultureInfo.InvariantCulture, $"{defaults.Lower},{defaults.Upper}") };

    public static Bounds ParseRange(string? text, string name)
    {
        var parts = (text ?? "").Split(',');
        if (parts.Length == 1 && TryParse(parts[0], out var single))
        {
            return new Bounds(single, single);
        }

        if (parts.Length == 2 && TryParse(parts[0], out var lower) && TryParse(parts[1], out var upper))
        {
            return new Bounds(lower, upper);
        }

        throw new HsoArgumentException($"{name} '{text}' must be min,max (or one value to fix it), for example 0.01,0.03", name);
    }

    private static bool TryParse(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}
