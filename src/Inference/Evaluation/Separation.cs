namespace HsoService.Inference.Evaluation;

/// <summary>
/// Whether a run's samples can order its best schedule and the runner-up, per (solver, NFE). Every schedule of a run
/// samples the same noise, so the samples split into <see cref="Parts"/> consecutive parts that pair up across
/// schedules. The best is separated from the runner-up when it has the lower FD on every part. Two schedules that
/// are equally good pass this by chance once in 2^(Parts - 1) = 8 times, and schedules that differ by less than
/// the FD's sampling noise at the run's size fail it. Both effects come from the samples themselves, not from a
/// model of FD's error.
/// </summary>
public static class Separation
{
    /// <summary>How many parts the samples split into.</summary>
    public const int Parts = 4;

    /// <summary>One (solver, NFE): its best schedule, the runner-up (the best with other times), and how many parts agree.</summary>
    public sealed record Comparison(string Solver, int Nfe, EvaluationRow Best, EvaluationRow RunnerUp, int PartsAgreeing)
    {
        public bool Separated => PartsAgreeing == Parts;
    }

    /// <summary>
    /// Each (solver, NFE) whose rows carry part FDs and hold at least two schedules with different times. Rows sharing
    /// the best one's times (auto serving a family) are the same schedule, not a runner-up.
    /// </summary>
    public static IReadOnlyList<Comparison> Compare(IEnumerable<EvaluationRow> rows) =>
        [.. rows.Where(r => r.FdQuarters is { Count: Parts } && double.IsFinite(r.Fd))
            .GroupBy(r => (r.Solver, r.Nfe))
            .Select(group =>
            {
                var best = group.MinBy(r => r.Fd)!;
                var runnerUp = group.Where(r => !r.T.SequenceEqual(best.T)).MinBy(r => r.Fd);
                return runnerUp is null
                    ? null
                    : new Comparison(group.Key.Solver, group.Key.Nfe, best, runnerUp, Enumerable.Range(0, Parts).Count(p => best.FdQuarters![p] < runnerUp.FdQuarters![p]));
            })
            .OfType<Comparison>()];
}
