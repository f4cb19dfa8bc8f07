using HsoService.Inference.ModelClasses.ClassConditionalPixel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HsoService.Inference.Evaluation;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Validation;
using HsoService.Optimization.Families;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Validated;

namespace HsoService.Bench;

/// <summary>
/// The validated mode's cheap strategies side by side (bench/strategies.sh): for each solver and NFE every strategy
/// runs on one loaded model with the service's CPU defaults (one teacher run and one set of confirmation draws, shared
/// as the service shares them), and each chosen schedule that is not a family is measured on the held-out seeds.
/// Writes one schedule JSON per run and <c>runs.json</c> (what the table script reads). Run again on the same folder,
/// it keeps the runs already there and only measures what is missing (a stopped run resumes). Usage:
/// <c>strategies OUTDIR SOLVERS NFES STRATEGIES HELDOUT_SAMPLES</c> (comma-separated lists).
/// </summary>
public static class StrategyComparison
{
    private static readonly long[] Seeds = [1234, 5000, 20000, 40000];

    public static int Run(string[] args)
    {
        if (args.Length < 5)
        {
            Console.Error.WriteLine("usage: strategies OUTDIR SOLVERS NFES STRATEGIES HELDOUT_SAMPLES");
            return 2;
        }

        var output = Directory.CreateDirectory(args[0]).FullName;
        var solvers = args[1].Split(',').Select(s => Solvers.Parse(s)).ToArray();
        var nfes = args[2].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var strategies = args[3].Split(',').Select(s => ValidatedStrategies.Parse(s)).ToArray();
        var heldOut = int.Parse(args[4], CultureInfo.InvariantCulture);

        var sessions = new OnnxSessionFactory(new OnnxOptions { MaxBatch = 64 });
        using var pipeline = new PixelDiffusionPipeline(ModelFolder.Open(HeldOutScorers.ModelPath), sessions);
        using var validation = new ModelValidation(pipeline, sessions, new ValidationSettings { CacheDirectory = Path.Combine(output, "cache") });
        using var heldOutScorers = new HeldOutScorers(pipeline, sessions);
        var scorers = Seeds.ToDictionary(seed => seed, seed => heldOutScorers.For(seed, heldOut));

        // The table takes the families' held-out FD from docs/evaluation/auto: one of them measured here shows they agree.
        var check = ScheduleFamilies.Build(pipeline.Noise, "uniform_lambda", solvers[0], nfes[0]).T;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"check: uniform_lambda {solvers[0].Name()} nfe {nfes[0]} held-out FD on seed 1234: {scorers[1234].Score(solvers[0], check, long.MaxValue, CancellationToken.None):F3}"));
        var path = Path.Combine(output, "runs.json");
        var earlier = File.Exists(path) ? JsonSerializer.Deserialize<List<Dictionary<string, JsonElement>>>(File.ReadAllText(path))! : [];
        var rows = new List<Dictionary<string, object?>>();
        foreach (var solver in solvers)
        {
            foreach (var nfe in nfes)
            {
                foreach (var strategy in strategies)
                {
                    if (earlier.FirstOrDefault(r => r["solver"].GetString() == solver.Name() && r["nfe"].GetInt32() == nfe && r["strategy"].GetString() == strategy.Name()) is { } done)
                    {
                        rows.Add(Resume(done, pipeline.Noise, solver, scorers));
                        continue;
                    }

                    var stopwatch = Stopwatch.StartNew();
                    var schedule = validation.Optimize(solver, nfe, strategy);
                    var seconds = stopwatch.Elapsed.TotalSeconds;
                    var report = schedule.Validation!;
                    File.WriteAllText(Path.Combine(output, $"{strategy.Name()}-{solver.Name()}-{nfe}.json"), ScheduleJson.Serialize(schedule, indented: true));
                    // A family's held-out FD is in docs/evaluation/auto (every family on every seed): measure only what is new.
                    var family = ProposalConfirmation.FamilyNames(pipeline.Noise, solver).Contains(report.ChosenBy);
                    var fd = family ? null : Seeds.ToDictionary(s => s.ToString(CultureInfo.InvariantCulture), s => scorers[s].Score(solver, schedule.T, long.MaxValue, CancellationToken.None)!.Value);
                    var line = string.Create(
                        CultureInfo.InvariantCulture,
                        $"{strategy.Name()} {solver.Name()} nfe {nfe}: chose {report.ChosenBy}, {report.StrategyCost!.Total} model evaluations on a fresh model ({report.Cost.ModelEvaluations} spent here), {seconds:F1} s");
                    var measured = fd is null ? "" : "; held-out FD " + string.Join(", ", fd.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value:F3}")));
                    Console.WriteLine(line + measured);
                    rows.Add(new()
                    {
                        ["solver"] = solver.Name(),
                        ["nfe"] = nfe,
                        ["strategy"] = strategy.Name(),
                        ["chosen_by"] = report.ChosenBy,
                        ["family"] = family,
                        ["t"] = schedule.T,
                        ["evaluations"] = report.StrategyCost.Total,
                        ["spent"] = report.Cost.ModelEvaluations,
                        ["seconds"] = seconds,
                        ["heldout_samples"] = heldOut,
                        ["fd"] = fd,
                    });
                    File.WriteAllText(path, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
                }
            }
        }

        File.WriteAllText(path, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    // A run made before: kept as it was, its held-out FD measured if it is missing for a schedule that is not a family.
    private static Dictionary<string, object?> Resume(Dictionary<string, JsonElement> done, NoiseSchedule noise, SolverKind solver, Dictionary<long, FeatureDistanceScorer> scorers)
    {
        var row = done.ToDictionary(p => p.Key, p => (object?)p.Value);
        var chosen = done["chosen_by"].GetString()!;
        var family = ProposalConfirmation.FamilyNames(noise, solver).Contains(chosen);
        row["family"] = family;
        if (!family && done["fd"].ValueKind == JsonValueKind.Null)
        {
            var times = done["t"].EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var fd = Seeds.ToDictionary(s => s.ToString(CultureInfo.InvariantCulture), s => scorers[s].Score(solver, times, long.MaxValue, CancellationToken.None)!.Value);
            row["fd"] = fd;
            Console.WriteLine($"{done["strategy"].GetString()} {solver.Name()} nfe {done["nfe"].GetInt32()}: {chosen}; held-out FD " + string.Join(", ", fd.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value:F3}"))));
        }

        return row;
    }
}
