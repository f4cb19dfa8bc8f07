using HsoService.Inference.ModelClasses.ClassConditionalPixel;
using System.Globalization;
using System.Text.Json;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Validation;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Validated;

namespace HsoService.Bench;

/// <summary>
/// Scores an oracle run's schedules (its candidates and the fitted schedule, from its <c>search.json</c>) on the honest
/// validated search's own calibration draws: seed 1000003 with K samples, then each confirmation draw's next K seeds,
/// labels i mod 10 and the shipped reference statistics, as the service measures them. It tells whether a schedule the
/// honest search missed is one its own objective prefers (the search did not reach it) or not (the calibration set
/// disagrees with the held-out samples). Usage:
/// <c>dotnet run -c Release --project bench/HsoService.Bench -- calibration ORACLE_DIR K DRAWS</c>
/// (writes <c>calibration-k{K}.json</c> there).
/// </summary>
public static class CalibrationCheck
{
    private const string ModelPath = "models/digits16-ddpm";

    public static int Run(string[] args)
    {
        if (args.Length != 3)
        {
            Console.Error.WriteLine("usage: calibration ORACLE_DIR K DRAWS");
            return 2;
        }

        var directory = args[0];
        var k = int.Parse(args[1], CultureInfo.InvariantCulture);
        var draws = int.Parse(args[2], CultureInfo.InvariantCulture);
        var search = ScheduleJson.Deserialize(File.ReadAllText(Path.Combine(directory, "search.json")));
        var (solver, nfe) = (search.Solver, search.Nfe);
        var schedules = search.Validation!.Candidates.Where(c => c.Score is not null).Select(c => new NamedTimes(c.Name, c.T))
            .Append(new NamedTimes("oracle", search.T)).ToArray();

        var sessions = new OnnxSessionFactory(new OnnxOptions { MaxBatch = 1024 });
        using var pipeline = new PixelDiffusionPipeline(ModelFolder.Open(ModelPath), sessions);
        using var validation = new ModelValidation(pipeline, sessions, new ValidationSettings { Samples = k, ConfirmationDraws = draws });
        var scorers = validation.ConfirmationScorers().Prepend(validation.Scorer()).ToArray();
        var scores = schedules.ToDictionary(s => s.Name, s => scorers.Select(scorer => scorer.Score(solver, s.T, long.MaxValue, CancellationToken.None)!.Value).ToArray());
        foreach (var (name, values) in scores)
        {
            Console.WriteLine($"{name}: mean {values.Average():F4}; " + string.Join(", ", values.Select(v => v.ToString("F4", CultureInfo.InvariantCulture))));
        }

        File.WriteAllText(Path.Combine(directory, $"calibration-k{k}.json"), JsonSerializer.Serialize(new
        {
            solver = solver.Name(),
            nfe,
            samples = k,
            seeds = scorers.Select(s => s.Seed),
            provider = scorers[0].Provider,
            fd = scores,
        }, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }
}
