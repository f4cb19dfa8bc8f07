using HsoService.Optimization.Schedules;

namespace HsoService.Optimization.Validated;

/// <summary>A finalist measured again on the confirmation draws, as the validated search and the selection both do.</summary>
internal static class ConfirmationDraws
{
    /// <summary>
    /// The schedule's score on each draw in turn, each within what <paramref name="allowance"/> says is left of the
    /// budget; it stops at the first draw without room, so the finalist has a score on every draw or is incomplete.
    /// <paramref name="measuring"/> is told how many of the draws are done, a fraction while one is measured.
    /// </summary>
    public static FinalistScore Measure(
        string origin,
        IReadOnlyList<double> times,
        double score,
        IReadOnlyList<IScheduleScorer> draws,
        SolverKind solver,
        Func<long> allowance,
        Action<double>? measuring,
        CancellationToken cancellationToken)
    {
        var scores = new List<double>();
        foreach (var draw in draws)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var done = scores.Count;
            if (draw.Score(solver, times, allowance(), cancellationToken, measuring is null ? null : share => measuring(done + share)) is not { } again)
            {
                break;
            }

            scores.Add(again);
            measuring?.Invoke(scores.Count);
        }

        return new FinalistScore(origin, times, score, scores);
    }
}
