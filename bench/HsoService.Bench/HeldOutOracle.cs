using HsoService.Inference.ModelClasses.ClassConditionalPixel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HsoService.Inference.Evaluation;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Validation;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Validated;

namespace HsoService.Bench;

/// <summary>
/// A bound for the validated mode's held-out target: the validated search run with the held-out samples themselves
/// as its calibration set (seed 1234, the 1797 real labels), so it fits the very FD it is judged by. What it reaches
/// bounds what this (local) search can reach on that seed with any calibration set; the other held-out seeds show how
/// much of the fit carries over. Usage:
/// <c>dotnet run -c Release --project bench/HsoService.Bench -- oracle SOLVER NFE MEASUREMENTS OUTDIR [NAME=t0,t1,..]...</c>
/// (the named schedules join the candidates, for example the validated searches' choices).
/// </summary>
public static class HeldOutOracle
{
    private const long FitSeed = 1234;
    private static readonly long[] OtherSeeds = [5000, 20000, 40000];

    public static int Run(string[] args)
    {
        if (args.Length < 4)
        {
            Console.Error.WriteLine("usage: oracle SOLVER NFE MEASUREMENTS OUTDIR [NAME=t0,t1,..]...");
            return 2;
        }

        var solver = Solvers.Parse(args[0]);
        var nfe = int.Parse(args[1], CultureInfo.InvariantCulture);
        var measurements = int.Parse(args[2], CultureInfo.InvariantCulture);
        var output = Directory.CreateDirectory(args[3]).FullName;
        var extra = args[4..].Select(ParseNamed).ToArray();

        var sessions = new OnnxSessionFactory(new OnnxOptions { MaxBatch = 1024 });
        using var pipeline = new PixelDiffusionPipeline(ModelFolder.Open(HeldOutScorers.ModelPath), sessions);
        using var heldOut = new HeldOutScorers(pipeline, sessions);
        FeatureDistanceScorer Scorer(long seed) => heldOut.For(seed);

        var fit = Scorer(FitSeed);
        var options = new ValidatedOptions
        {
            Solver = solver,
            Nfe = nfe,
            Budget = measurements * fit.Cost(nfe),
            Candidates = ["uniform_t:trailing", "uniform_lambda", "edm:7", "ays"],
            Extra = extra,
        };
        var stopwatch = Stopwatch.StartNew();
        var best = ValidatedSearch.Optimize(pipeline.Noise, fit, options, p => Console.Error.Write($"\r{p:P0}   "));
        Console.Error.WriteLine();
        File.WriteAllText(Path.Combine(output, "search.json"), ScheduleJson.Serialize(best, indented: true));
        var report = best.Validation!;
        Console.WriteLine($"{solver.Name()} nfe {nfe}: search {stopwatch.Elapsed.TotalSeconds:F1} s, {report.SchedulesMeasured} schedules, {report.Cost.ModelEvaluations} model evaluations");

        // The same schedules on the other held-out seeds: the oracle, every named candidate and every family.
        var schedules = report.Candidates.Where(c => c.Score is not null).Select(c => new NamedTimes(c.Name, c.T))
            .Append(new NamedTimes("oracle", best.T)).ToArray();
        var rows = new List<Dictionary<string, object>>();
        foreach (var seed in OtherSeeds.Prepend(FitSeed))
        {
            var scorer = seed == FitSeed ? fit : Scorer(seed);
            var scores = schedules.ToDictionary(s => s.Name, s => scorer.Score(solver, s.T, long.MaxValue, CancellationToken.None)!.Value);
            var others = scores.Where(s => s.Key != "oracle" && !extra.Any(e => e.Name == s.Key)).MinBy(s => s.Value);
            var ratio = scores["oracle"] / others.Value;
            Console.WriteLine($"seed {seed}: oracle {scores["oracle"]:F4}, best family {others.Key} {others.Value:F4}, ratio {ratio:F3}; "
                + string.Join(", ", scores.Select(s => $"{s.Key} {s.Value:F4}")));
            rows.Add(new() { ["seed"] = seed, ["fd"] = scores, ["best_family"] = others.Key, ["ratio"] = ratio });
        }

        File.WriteAllText(Path.Combine(output, "heldout.json"), JsonSerializer.Serialize(new
        {
            solver = solver.Name(),
            nfe,
            samples = HeldOutScorers.Samples,
            fit_seed = FitSeed,
            oracle = best.T,
            chosen_by = report.ChosenBy,
            seconds = stopwatch.Elapsed.TotalSeconds,
            provider = fit.Provider,
            rows,
        }, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    private static NamedTimes ParseNamed(string text)
    {
        var parts = text.Split('=', 2);
        return parts.Length == 2
            ? new NamedTimes(parts[0], [.. parts[1].Split(',').Select(t => double.Parse(t, CultureInfo.InvariantCulture))])
            : throw new ArgumentException($"expected NAME=t0,t1,.., got '{text}'");
    }
}
