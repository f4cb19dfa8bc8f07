using System.Diagnostics;
using System.Globalization;
using HsoService.Optimization.Families;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Objective;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Search;
using HsoService.Optimization.Statistics;

namespace HsoService.Optimization.Validated;

/// <summary>
/// HSO's bi-level structure with a score measured on the model as the fitness. First every candidate (HSO in both
/// modes, the training-free families, cached schedules) is measured. The upper level then searches the initialisation
/// psi = (rho, eps, T_max) of the better parametric family (EDM or uniform lambda) by Nelder-Mead; the lower level
/// refines the interior lambda points of the best schedule so far by Nelder-Mead with both ends fixed. Both levels
/// run in sequence rather than nested (a nested lower level per upper-level point would multiply the measured cost)
/// and every measurement is charged to one budget of model evaluations. With confirmation draws the finalists (the
/// two best candidates and each level's best schedule when it beat them) are measured again on fresh samples and
/// chosen among by <see cref="ConfirmationRule"/> (by default the lowest mean): the best of some two hundred
/// measurements of one draw is partly that draw's noise, which held-out samples do not share. Without them the best
/// measured schedule wins.
/// </summary>
public static class ValidatedSearch
{
    private const double MaxEps = 0.2;
    private const double MinTMax = 0.5;
    private const double MinRho = 0.5;
    private const double MaxRho = 50;

    /// <summary>Finalists at most: the two best candidates, the upper level's best and the lower level's best.</summary>
    public const int MaxFinalists = 4;

    /// <summary>Runs the search and chooses on its own draw; <paramref name="progress"/> receives the fraction of the budget spent.</summary>
    public static Schedule Optimize(
        NoiseSchedule noise,
        IScheduleScorer scorer,
        ValidatedOptions options,
        Action<double>? progress = null,
        CancellationToken cancellationToken = default) =>
        Optimize(noise, scorer, [], options, progress, cancellationToken);

    /// <summary>
    /// Runs the search on <paramref name="scorer"/>'s draw, then measures the finalists on each of the
    /// <paramref name="confirmation"/> scorers (other draws of the same score and K) and chooses among them there by
    /// the options' <see cref="ValidatedOptions.ConfirmationRule"/>.
    /// Their measurements are charged to the same budget, reserved before the search starts.
    /// </summary>
    public static Schedule Optimize(
        NoiseSchedule noise,
        IScheduleScorer scorer,
        IReadOnlyList<IScheduleScorer> confirmation,
        ValidatedOptions options,
        Action<double>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(confirmation);
        ArgumentNullException.ThrowIfNull(options);
        Solvers.ValidateNfe(options.Nfe, noise.TrainSteps);
        if (options.UpperShare is < 0 or > 1 || !double.IsFinite(options.UpperShare))
        {
            throw new HsoArgumentException($"upper_share must be in [0, 1], got {options.UpperShare}", "upper_share");
        }

        if (options.MinimumGapFraction is < 0 or >= 1 || !double.IsFinite(options.MinimumGapFraction))
        {
            throw new HsoArgumentException($"minimum_gap_fraction must be in [0, 1), got {options.MinimumGapFraction}", "minimum_gap_fraction");
        }

        var cost = scorer.Cost(options.Nfe);
        var budget = options.Budget ?? ValidatedOptions.DefaultMeasurements * cost;
        if (budget < cost)
        {
            throw new HsoArgumentException(
                $"budget must allow at least one measurement ({cost} model evaluations = {scorer.Samples} samples x NFE {options.Nfe}), got {budget}", "budget");
        }

        var warnings = new List<string>();
        var reserve = confirmation.Sum(c => MaxFinalists * c.Cost(options.Nfe));
        if (reserve > 0 && budget - reserve < (options.Candidates.Count + options.Extra.Count) * cost)
        {
            warnings.Add($"no confirmation draws: the budget of {budget} model evaluations cannot pay for {reserve} of them beside the candidates, so the schedule was chosen on the search's own draw");
            confirmation = [];
            reserve = 0;
        }

        var confirmationStart = confirmation.Select(c => c.ModelEvaluations).ToArray();
        long Spent() => confirmation.Select((c, i) => c.ModelEvaluations - confirmationStart[i]).Sum();
        var run = new Run(noise, scorer, options, scorer.ModelEvaluations, budget - reserve, p => progress?.Invoke(p * (budget - reserve) / budget), cancellationToken);
        var stopwatch = Stopwatch.StartNew();
        var candidates = run.MeasureCandidates();
        var measured = candidates.Where(c => c.Score is not null).ToArray();
        if (measured.Length == 0)
        {
            throw new InvalidOperationException("no candidate schedule could be measured within the budget");
        }

        var bestCandidate = measured.MinBy(c => c.Score!.Value)!;
        run.UpperLevel(candidates);
        run.LowerLevel();

        var chosen = run.Best;
        var finalists = new List<FinalistScore>();
        double? confirmationScore = null;
        string? rule = null;
        if (confirmation.Count > 0)
        {
            var points = run.Finalists();
            foreach (var (finalist, _) in points)
            {
                finalists.Add(ConfirmationDraws.Measure(
                    finalist.Origin, finalist.Times, finalist.Score, confirmation, options.Solver,
                    () => budget - (scorer.ModelEvaluations - run.StartEvaluations) - Spent(), measuring: null, cancellationToken));
                progress?.Invoke(Math.Min(1.0, (double)(scorer.ModelEvaluations - run.StartEvaluations + Spent()) / budget));
            }

            var confirmed = finalists.Select((f, i) => (f, i)).Where(p => p.f.ConfirmationScores.Count == confirmation.Count).ToArray();
            if (confirmed.Length == 0)
            {
                warnings.Add("no finalist could be measured on every confirmation draw within the budget, so the schedule was chosen on the search's own draw");
            }
            else
            {
                var eligible = confirmed;
                // every-draw: a searched finalist stays only if it beats the best candidate finalist on every draw.
                if (options.ConfirmationRule == ConfirmationRule.EveryDraw
                    && confirmed.Where(p => !points[p.i].Searched).Select(p => p.f).MinBy(f => f.ConfirmationMean!.Value) is { } family)
                {
                    eligible = [.. confirmed.Where(p => !points[p.i].Searched || p.f.ConfirmationScores.Zip(family.ConfirmationScores).All(s => s.First < s.Second))];
                }

                var (winner, index) = eligible.MinBy(p => p.f.ConfirmationMean!.Value);
                chosen = points[index].Point;
                confirmationScore = winner.ConfirmationMean;
                rule = options.ConfirmationRule.Name();
            }
        }

        var report = new ValidationReport
        {
            Metric = scorer.Metric,
            MetricDescription = scorer.Description,
            Samples = scorer.Samples,
            Seed = scorer.Seed,
            Score = chosen.Score,
            ConfirmationSeeds = [.. confirmation.Select(c => c.Seed)],
            ConfirmationScore = confirmationScore,
            ConfirmationRule = rule,
            Finalists = finalists,
            BestCandidate = bestCandidate.Name,
            BestCandidateScore = bestCandidate.Score!.Value,
            ChosenBy = chosen.Origin,
            Candidates = candidates,
            SchedulesMeasured = run.Measured.Count,
            SpearmanMepScore = run.Spearman(),
            Cost = new ValidationCost(scorer.ModelEvaluations - run.StartEvaluations + Spent(), budget, stopwatch.Elapsed.TotalSeconds, scorer.Provider),
        };
        if (scorer.Metric != "fd")
        {
            warnings.Add($"measured by {scorer.Metric} ({scorer.Description}): the model has no feature extractor, so the score is a per-sample distance, which favours blur over sharpness");
        }

        warnings.AddRange(candidates.Where(c => c.Note is not null).Select(c => $"{c.Name}: {c.Note}"));
        var schedule = ScheduleBuilder.Build(
            noise,
            options.Solver,
            options.Nfe,
            chosen.Times,
            ScheduleMode.Validated,
            chosen.Parameters,
            chosen.Origin,
            warnings: warnings);
        return schedule with { Validation = report, Evaluations = run.Measured.Count, ElapsedMs = stopwatch.Elapsed.TotalMilliseconds };
    }

    private sealed record Point(double[] Times, double Score, string Origin, ScheduleParameters Parameters);

    private enum Stage
    {
        Candidate,
        Upper,
        Lower,
    }

    private sealed class Run(
        NoiseSchedule noise,
        IScheduleScorer scorer,
        ValidatedOptions options,
        long startEvaluations,
        long budget,
        Action<double>? progress,
        CancellationToken cancellationToken)
    {
        private readonly Dictionary<string, double> _byTimes = new(StringComparer.Ordinal);
        private readonly Dictionary<Stage, Point> _bestOf = [];
        private readonly List<Point> _candidates = [];

        public long StartEvaluations => startEvaluations;

        public List<(double Mep, double Score)> Measured { get; } = [];

        public Point Best { get; private set; } = new([], double.PositiveInfinity, "", new ScheduleParameters(null, 0, 0));

        private long Remaining => budget - (scorer.ModelEvaluations - startEvaluations);

        public List<CandidateScore> MeasureCandidates()
        {
            var list = new List<CandidateScore>();
            var named = new List<(string Name, double[] T, ScheduleParameters? Psi, string? Note)>();
            foreach (var name in options.Candidates)
            {
                try
                {
                    var schedule = NamedSchedules.Build(noise, name, options.Solver, options.Nfe, options.HsoSeed);
                    named.Add((name, [.. schedule.T], schedule.Params, null));
                }
                catch (HsoArgumentException e)
                {
                    named.Add((name, [], null, $"not measured: {e.Message}"));
                }
            }

            named.AddRange(options.Extra.Select(e => (e.Name, e.T.ToArray(), (ScheduleParameters?)null, (string?)null)));
            foreach (var (name, times, psi, note) in named)
            {
                if (times.Length == 0)
                {
                    list.Add(new CandidateScore(name, times, double.NaN, null, note));
                    continue;
                }

                var mep = MidpointErrorProxy.Value(times.Select(noise.FiniteLambda).ToArray(), noise.Form);
                var parameters = psi ?? new ScheduleParameters(null, times[^1], times[0]);
                var score = Measure(times, name, parameters, Stage.Candidate, spacing: false);
                if (score is { } value)
                {
                    _candidates.Add(new Point(times, value, name, parameters));
                }

                list.Add(new CandidateScore(name, times, mep, score, score is null ? "not measured: the budget was spent" : null));
            }

            return list;
        }

        /// <summary>Nelder-Mead over psi of the better-measured parametric family, from its candidate's psi.</summary>
        public void UpperLevel(IReadOnlyList<CandidateScore> candidates)
        {
            var calls = (int)Math.Min(int.MaxValue, (long)(options.UpperShare * Remaining) / Math.Max(scorer.Cost(options.Nfe), 1));
            var edm = candidates.FirstOrDefault(c => c.Name.StartsWith("edm", StringComparison.Ordinal) && c.Score is not null);
            var lambda = candidates.FirstOrDefault(c => c.Name.StartsWith("uniform_lambda", StringComparison.Ordinal) && c.Score is not null);
            if (calls < 2 || (edm is null && lambda is null))
            {
                return;
            }

            var useEdm = lambda is null || (edm is not null && edm.Score <= lambda.Score);
            var start = useEdm ? edm! : lambda!;
            var eps = start.T[^1];
            var tMax = start.T[0];
            double[] origin = useEdm ? [Math.Log(RhoOf(start.Name)), Math.Log(eps), tMax] : [Math.Log(eps), tMax];
            double[] steps = useEdm ? [0.5, 0.7, -0.05] : [0.7, -0.05];
            var family = useEdm ? "edm" : "uniform_lambda";
            NelderMead.Minimize(
                x =>
                {
                    var rho = useEdm ? Math.Exp(x[0]) : (double?)null;
                    var e = Math.Exp(x[useEdm ? 1 : 0]);
                    var t = x[useEdm ? 2 : 1];
                    if (rho is < MinRho or > MaxRho || e < noise.TMin || e > MaxEps || t < MinTMax || t > 1 || e >= t)
                    {
                        return double.PositiveInfinity;
                    }

                    var variant = rho is null ? family : string.Create(CultureInfo.InvariantCulture, $"{family}:{rho:G6}");
                    var times = ScheduleFamilies.Build(noise, variant, options.Solver, options.Nfe, new FamilyOptions { Eps = e, TMax = t }).T.ToArray();
                    return Measure(times, $"{family} (upper level)", new ScheduleParameters(rho, e, t), Stage.Upper);
                },
                origin,
                steps,
                calls,
                cancellationToken: cancellationToken);
        }

        /// <summary>Nelder-Mead over the interior lambda gaps of the best schedule so far, until the budget is spent.</summary>
        public void LowerLevel()
        {
            var gaps = new LambdaGaps(noise, Best.Times);
            var calls = (int)Math.Min(int.MaxValue, Remaining / Math.Max(scorer.Cost(options.Nfe), 1));
            if (gaps.Dimension == 0 || calls < 1)
            {
                return;
            }

            var origin = Best;
            var name = origin.Origin.EndsWith("(refined)", StringComparison.Ordinal) ? origin.Origin : $"{origin.Origin} (refined)";
            NelderMead.Minimize(
                z => Measure(gaps.Times(z), name, origin.Parameters, Stage.Lower),
                gaps.Start,
                [.. Enumerable.Repeat(0.3, gaps.Dimension)],
                calls,
                tolerance: 1e-3,
                cancellationToken: cancellationToken);
        }

        /// <summary>
        /// The schedules worth a second look: the two best candidates (distinct times), and the upper and lower levels'
        /// best schedules where they beat the best candidate on this draw (<c>Searched</c>).
        /// </summary>
        public IReadOnlyList<(Point Point, bool Searched)> Finalists()
        {
            var finalists = new List<(Point, bool)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var ranked = _candidates.OrderBy(c => c.Score).ToList();
            var top = ranked.Count == 0 ? double.PositiveInfinity : ranked[0].Score;
            var levels = new[] { Stage.Upper, Stage.Lower }
                .Where(_bestOf.ContainsKey)
                .Select(s => _bestOf[s])
                .Where(p => p.Score < top);
            foreach (var candidate in ranked.Where(c => seen.Add(Key(c.Times))).Take(2))
            {
                finalists.Add((candidate, false));
            }

            finalists.AddRange(levels.Where(p => seen.Add(Key(p.Times))).Select(p => (p, true)));
            return finalists;
        }

        public double? Spearman()
        {
            var value = SpearmanCorrelation.Compute([.. Measured.Select(m => m.Mep)], [.. Measured.Select(m => m.Score)]);
            return double.IsNaN(value) ? null : value;
        }

        // +infinity for a schedule that breaks the spacing rule (nothing spent), null once the budget cannot pay for it.
        private static string Key(double[] times) => string.Join(',', times.Select(t => t.ToString("R", CultureInfo.InvariantCulture)));

        private double? Measure(double[] times, string origin, ScheduleParameters parameters, Stage stage, bool spacing = true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (spacing && !ValidatedSpacing.Holds(noise, times, options.MinimumGapFraction))
            {
                return double.PositiveInfinity;
            }

            var key = Key(times);
            if (!_byTimes.TryGetValue(key, out var score))
            {
                var measured = scorer.Score(options.Solver, times, Remaining, cancellationToken);
                if (measured is null)
                {
                    return null;
                }

                score = measured.Value;
                _byTimes[key] = score;
                Measured.Add((MidpointErrorProxy.Value(times.Select(noise.FiniteLambda).ToArray(), noise.Form), score));
                progress?.Invoke(Math.Min(1.0, (double)(scorer.ModelEvaluations - startEvaluations) / budget));
            }

            if (score < Best.Score)
            {
                Best = new Point(times, score, origin, parameters);
            }

            if (!_bestOf.TryGetValue(stage, out var best) || score < best.Score)
            {
                _bestOf[stage] = new Point(times, score, origin, parameters);
            }

            return score;
        }

        private static double RhoOf(string name) =>
            name.Split(':') is [_, var text] && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var rho) ? rho : 7;
    }
}
