using HsoService.Optimization.Statistics;
namespace HsoService.Inference.Evaluation;

/// <summary>One evaluated (solver, NFE, schedule): its measured scores beside its MEP and times (and, for a validated schedule, its search).</summary>
public sealed record EvaluationRow(
    string Solver,
    int Nfe,
    string Schedule,
    double Fd,
    double Rmse,
    double Agreement,
    double Mep,
    double Fitness,
    double Seconds,
    IReadOnlyList<double> T,
    HsoService.Optimization.Validated.ValidationReport? Validation = null,
    IReadOnlyList<double>? FdQuarters = null);

/// <summary>Spearman's rank correlation between MEP and each measured score over the schedules of one (solver, NFE).</summary>
public sealed record MepCorrelation(string Solver, int Nfe, int Schedules, double SpearmanMepFd, double SpearmanMepRmse);

/// <summary>The result of <c>hso evaluate</c>: every row, the MEP correlations, and how it was measured (and finished).</summary>
public sealed record EvaluationReport(
    string Model,
    int Samples,
    long Seed,
    int ReferenceSamples,
    int ReferenceSteps,
    string ExecutionProvider,
    IReadOnlyList<EvaluationRow> Rows,
    IReadOnlyList<MepCorrelation> Correlations,
    string FinalStep = "to_zero")
{
    /// <summary>Correlations per (solver, NFE) computed from the rows.</summary>
    public static IReadOnlyList<MepCorrelation> Correlate(IReadOnlyList<EvaluationRow> rows) =>
        [.. rows.GroupBy(r => (r.Solver, r.Nfe))
            .Select(g => new MepCorrelation(
                g.Key.Solver,
                g.Key.Nfe,
                g.Count(),
                SpearmanCorrelation.Compute([.. g.Select(r => r.Mep)], [.. g.Select(r => r.Fd)]),
                SpearmanCorrelation.Compute([.. g.Select(r => r.Mep)], [.. g.Select(r => r.Rmse)])))];
}
