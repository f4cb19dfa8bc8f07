using HsoService.Inference.ModelClasses.ClassConditionalPixel;
using System.CommandLine;
using System.Globalization;
using HsoService.Inference.Evaluation;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Validation;
using HsoService.Optimization;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Validated;

namespace HsoService.Cli;

/// <summary>
/// <c>hso evaluate</c>: measures schedules on a pixel model with a classifier (FD-digits, RMSE against a cached
/// reference, label agreement) for every solver, NFE and schedule asked for, and relates the scores to MEP.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "a model id under models/ or a model folder", DefaultValueFactory = _ => "digits16-ddpm" };
        var solvers = new Option<string>("--solvers") { Description = "comma-separated solvers", DefaultValueFactory = _ => "ddim,dpmpp2m,unipc" };
        var nfes = new Option<string>("--nfe") { Description = "comma-separated NFEs", DefaultValueFactory = _ => "3,4,5,6,8,10" };
        var schedules = new Option<string>("--schedules")
        {
            Description = $"comma-separated schedules: {string.Join(", ", NamedSchedules.Names)}, validated (searched on the model with a calibration seed), auto (the service's measured selection on the calibration draw)",
            DefaultValueFactory = _ => "uniform_t,uniform_lambda,edm,ays,hso-paper,hso-robust,auto",
        };
        var samples = new Option<int>("--n") { Description = "samples per schedule", DefaultValueFactory = _ => 1797 };
        var seed = new Option<long>("--seed") { Description = "seed of sample 0", DefaultValueFactory = _ => 1234 };
        var referenceSamples = new Option<int?>("--reference-samples")
        {
            Description = $"samples of the RMSE reference (default: sized from --n, so the reference run costs at most a quarter of the evaluation's model evaluations, and at most {MaxReferenceSamples})",
        };
        var referenceSteps = new Option<int>("--reference-steps") { Description = "DDIM steps of the RMSE reference", DefaultValueFactory = _ => 1000 };
        var cache = new Option<string>("--cache-dir")
        {
            Description = "where reference runs are cached",
            DefaultValueFactory = _ => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "hso", "cache"),
        };
        var data = new Option<string>("--data") { Description = "the real images (digits16.csv.gz)", DefaultValueFactory = _ => DefaultData() };
        var output = new Option<string>("--out") { Description = "report directory", Required = true };
        var calibration = ValidationOptions.Create();
        var remeasure = new Option<string?>("--remeasure")
        {
            Description = "measure the schedules (times) of an earlier report.json again, for example on another --seed; --solvers, --nfe and --schedules, when given, filter its rows",
        };
        var finalStep = new Option<string>("--final-step")
        {
            Description = $"how samplers finish each schedule: {string.Join(", ", FinalSteps.Names)} (the service's default: to_zero)",
            DefaultValueFactory = _ => "to_zero",
        };
        var provider = ModelSource.ProviderOption();
        var device = ModelSource.DeviceOption();

        var command = new Command("evaluate", "Measure schedules on a model: FD-digits, RMSE, label agreement, and their rank correlation with MEP")
        {
            model, solvers, nfes, schedules, samples, seed, referenceSamples, referenceSteps, cache, data, output, provider, device, remeasure, finalStep,
        };
        calibration.AddTo(command);
        command.SetAction(result =>
        {
            var solverList = Split(result.GetRequiredValue(solvers)).Select(s => Solvers.Parse(s)).ToArray();
            var nfeList = Split(result.GetRequiredValue(nfes)).Select(s => int.TryParse(s, CultureInfo.InvariantCulture, out var v) ? v : throw new HsoArgumentException($"--nfe '{s}' is not an integer", "nfe")).ToArray();
            var scheduleList = Split(result.GetRequiredValue(schedules)).ToArray();
            var modelId = result.GetRequiredValue(model);
            var sessions = ModelSource.Sessions(result.GetRequiredValue(provider), result.GetValue(device), calibration.Batch(result));
            using var opened = ModelSource.Open(modelId, sessions);
            var pipeline = opened as PixelDiffusionPipeline ?? throw new HsoArgumentException($"--model '{modelId}' is a {opened.ClassName} model; evaluate measures class-conditional pixel models with a classifier", "model");
            foreach (var nfe in nfeList)
            {
                Solvers.ValidateNfe(nfe, pipeline.Noise.TrainSteps);
            }

            var earlier = result.GetValue(remeasure) is { } path ? ReportWriter.Read(path).Rows : null;
            // An earlier report is measured whole unless --solvers, --nfe or --schedules are given to filter it.
            var filterNames = result.GetResult(schedules) is { Implicit: false };
            var filterSolvers = result.GetResult(solvers) is { Implicit: false };
            var filterNfes = result.GetResult(nfes) is { Implicit: false };
            var plan = earlier is null
                ? (from solver in solverList from nfe in nfeList from name in scheduleList select (solver, nfe, name)).ToArray()
                : [.. earlier
                    .Where(r => (!filterSolvers || solverList.Contains(Solvers.Parse(r.Solver))) && (!filterNfes || nfeList.Contains(r.Nfe)) && (!filterNames || scheduleList.Contains(r.Schedule)))
                    .Select(r => (Solvers.Parse(r.Solver), r.Nfe, r.Schedule))];

            var sampleCount = result.GetValue(samples);
            var steps = result.GetValue(referenceSteps);
            var evaluationCost = plan.Sum(p => (long)p.nfe * sampleCount);
            var options = new EvaluationOptions
            {
                Samples = sampleCount,
                Seed = HsoService.Inference.Requests.RequestLimits.ImageSeed.Check(result.GetValue(seed), "seed"),
                ReferenceSamples = Math.Min(result.GetValue(referenceSamples) ?? ReferenceSize(evaluationCost, steps), sampleCount),
                ReferenceSteps = steps,
                CacheDirectory = result.GetRequiredValue(cache),
                FinalStep = FinalSteps.Parse(result.GetRequiredValue(finalStep), "final-step"),
            };
            var settings = calibration.Settings(result, result.GetRequiredValue(cache));
            if ((scheduleList.Contains(ValidationOptions.Name) || scheduleList.Contains(AutoName)) && result.GetValue(remeasure) is null)
            {
                var span = settings.SeedCount(pipeline.Provider);
                if (settings.Seed < options.Seed + options.Samples && options.Seed < settings.Seed + span)
                {
                    throw new HsoArgumentException(
                        $"--calibration-seed {settings.Seed} (samples {settings.Seed}..{settings.Seed + span - 1} that the validated search calibrates on) overlaps the evaluation's seeds {options.Seed}..{options.Seed + options.Samples - 1}: held-out scores need other noise",
                        "calibration-seed");
                }
            }

            foreach (var row in earlier ?? [])
            {
                foreach (var start in row.Validation is { } v ? v.ConfirmationSeeds.Prepend(v.Seed) : [])
                {
                    var k = row.Validation!.Samples;
                    if (start < options.Seed + options.Samples && options.Seed < start + k)
                    {
                        throw new HsoArgumentException(
                            $"--seed {options.Seed} overlaps the calibration seeds {start}..{start + k - 1} of the validated {row.Solver} nfe {row.Nfe} schedule: held-out scores need other noise", "seed");
                    }
                }
            }

            PrintPlan(plan, options, validation: (settings, pipeline.Provider), evaluationCost);
            var evaluator = new DigitsEvaluator(pipeline, DigitsDataset.Load(result.GetRequiredValue(data)), options);
            ConsoleProgress.Run("reference run (cached after the first time)", options.ReferenceSteps * Math.Ceiling(options.ReferenceSamples / (double)pipeline.MaxBatch), report =>
            {
                evaluator.EnsureReference(done => report(done));
                return 0;
            });

            using var validation = new ModelValidation(pipeline, sessions, settings);
            var chunks = Math.Ceiling(options.Samples / (double)pipeline.MaxBatch);
            var total = plan.Sum(p => p.nfe * chunks);
            var rows = ConsoleProgress.Run($"evaluating {plan.Length} schedules x {options.Samples} samples", total, report =>
            {
                var done = 0.0;
                var list = new List<EvaluationRow>();
                // auto serves one of the other candidates' times: measure each distinct schedule once.
                var measured = new Dictionary<string, Inference.Evaluation.ScheduleEvaluation>(StringComparer.Ordinal);
                foreach (var (solver, nfe, name) in plan)
                {
                    var previous = earlier?.First(r => r.Solver == solver.Name() && r.Nfe == nfe && r.Schedule == name);
                    var schedule = previous is not null
                        ? ScheduleBuilder.Build(pipeline.Noise, solver, nfe, previous.T, ScheduleMode.Explicit) with { Validation = previous.Validation }
                        : name == ValidationOptions.Name
                            ? validation.Optimize(solver, nfe, cancellationToken: CancellationToken.None)
                            : name == AutoName
                                ? validation.Select(solver, nfe, cancellationToken: CancellationToken.None)
                                : NamedSchedules.Build(pipeline.Noise, name, solver, nfe);
                    if (previous is null && name == AutoName)
                    {
                        var candidates = schedule.Validation is { } selection
                            ? string.Join(", ", selection.Candidates.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Name} {c.Score:F3}")))
                            : schedule.Warnings[^1];
                        Console.Error.WriteLine(string.Create(
                            CultureInfo.InvariantCulture,
                            $"auto {solver.Name()} nfe {nfe}: {schedule.Family}; {candidates}; {schedule.Validation?.Cost.ModelEvaluations ?? 0} model evaluations, {schedule.Validation?.Cost.Seconds ?? 0:F1} s"));
                    }

                    if (previous is null && name == ValidationOptions.Name && schedule.Validation is { } searched)
                    {
                        // The choice and its times go to the log too, so that a lost report can be measured again from the log alone.
                        var confirmed = searched.ConfirmationScore is { } mean
                            ? string.Create(CultureInfo.InvariantCulture, $", {mean:F3} mean over {searched.ConfirmationSeeds.Count} confirmation draws")
                            : "";
                        Console.Error.WriteLine(string.Create(
                            CultureInfo.InvariantCulture,
                            $"validated {solver.Name()} nfe {nfe}: {searched.Metric} {searched.Score:F3} on {searched.Samples} calibration samples{confirmed} (best candidate {searched.BestCandidate} {searched.BestCandidateScore:F3}), chosen {searched.ChosenBy}, t = [{string.Join(", ", schedule.T.Select(t => t.ToString("R", CultureInfo.InvariantCulture)))}], {searched.SchedulesMeasured} schedules, {searched.Cost.ModelEvaluations} model evaluations, {searched.Cost.Seconds:F1} s on {searched.Cost.Provider}"));
                    }

                    var before = done;
                    var timesKey = $"{solver.Name()}|{string.Join(',', schedule.T.Select(t => t.ToString("R", CultureInfo.InvariantCulture)))}";
                    if (!measured.TryGetValue(timesKey, out var scores))
                    {
                        scores = evaluator.Evaluate(solver, schedule.T, step => report(before + step));
                        measured[timesKey] = scores;
                    }

                    done = before + nfe * chunks;
                    list.Add(new EvaluationRow(solver.Name(), nfe, name, scores.Fd, scores.Rmse, scores.Agreement, schedule.Mep, schedule.Fitness, scores.Seconds, schedule.T, schedule.Validation, scores.QuarterFds));
                }

                return list;
            });

            var evaluation = new EvaluationReport(modelId, options.Samples, options.Seed, options.ReferenceSamples, options.ReferenceSteps, pipeline.Provider.ToString().ToLowerInvariant(), rows, EvaluationReport.Correlate(rows), options.FinalStep.Name());
            foreach (var file in ReportWriter.Write(evaluation, result.GetRequiredValue(output)))
            {
                Console.WriteLine($"wrote {file}");
            }

            var comparisons = Separation.Compare(rows);
            if (comparisons.Count(c => !c.Separated) is var unseparated and > 0)
            {
                Console.Error.WriteLine($"warning: {options.Samples} samples cannot order the best schedule and the runner-up in {unseparated} of {comparisons.Count} (solver, NFE): the order flips between quarters of the samples; more samples (--n) separate them (report.md lists which)");
            }

            return 0;
        });
        return command;
    }

    /// <summary>Most of the evaluation's model evaluations the RMSE reference may cost when its size is not given.</summary>
    private const double ReferenceShare = 0.25;

    private const int MaxReferenceSamples = 128;

    /// <summary>Reference samples so that samples x steps is at most <see cref="ReferenceShare"/> of the evaluation (1 to 128).</summary>
    internal static int ReferenceSize(long evaluationCost, int steps) =>
        (int)Math.Clamp((long)(ReferenceShare * evaluationCost / Math.Max(steps, 1)), 1, MaxReferenceSamples);

    // What the run will spend, before it spends it, so a user sizes it before waiting: the reference run (unless
    // cached), the schedules' sampling, and the measurements behind auto and validated.
    private static void PrintPlan((SolverKind solver, int nfe, string name)[] plan, EvaluationOptions options, (ValidationSettings Settings, Inference.Onnx.ExecutionProvider Provider) validation, long evaluationCost)
    {
        var reference = (long)options.ReferenceSamples * options.ReferenceSteps;
        var searches = plan.Where(p => p.name == AutoName).Sum(p => (long)(ScheduleSelection.BudgetShare * validation.Settings.BudgetFor(validation.Provider, p.nfe)));
        var parts = new List<(string What, long Cost)>
        {
            ($"reference run {options.ReferenceSamples} samples x {options.ReferenceSteps} steps (none when cached)", reference),
            ($"{plan.Length} schedules x {options.Samples} samples", evaluationCost),
        };
        if (searches > 0)
        {
            parts.Add(("auto's selections (at most)", searches));
        }

        var total = parts.Sum(p => p.Cost);
        var items = string.Join("; ", parts.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.What} {p.Cost:N0} ({100.0 * p.Cost / Math.Max(total, 1):F0}%)")));
        var validated = plan.Any(p => p.name == ValidationOptions.Name) ? ", besides the validated searches (their cost depends on --strategy: README)" : "";
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"plan: about {total:N0} model evaluations: {items}; most of the time goes to the {parts.MaxBy(p => p.Cost).What.Split(" (")[0]}{validated}"));
    }

    /// <summary>The schedule name that measures what the service's <c>auto</c> serves.</summary>
    private const string AutoName = "auto";

    private static IEnumerable<string> Split(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string DefaultData()
    {
        var models = HsoService.Inference.Models.ModelRegistry.FindModelsDirectory();
        var root = models is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(models))!;
        return Path.Combine(root, "data", "digits16.csv.gz");
    }
}
