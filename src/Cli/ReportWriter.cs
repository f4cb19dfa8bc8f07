using System.Globalization;
using System.Text;
using System.Text.Json;
using HsoService.Inference.Evaluation;

namespace HsoService.Cli;

/// <summary>Writes an evaluation report as <c>report.json</c> (snake_case), <c>report.md</c> and one FD-vs-NFE plot per solver.</summary>
internal static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Reads a <c>report.json</c> written by <see cref="Write"/>.</summary>
    public static EvaluationReport Read(string path) =>
        JsonSerializer.Deserialize<EvaluationReport>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: not an evaluation report");

    private const string PlotFont = "DejaVu Sans";

    // SkiaSharp's dependency-free native build cannot find system fonts, so plots would have no text: use the shipped one.
    private static readonly Lazy<bool> FontRegistered = new(() =>
    {
        var assets = Path.Combine(AppContext.BaseDirectory, "Assets");
        ScottPlot.Fonts.AddFontFile(PlotFont, Path.Combine(assets, "DejaVuSans.ttf"), bold: false, italic: false);
        ScottPlot.Fonts.AddFontFile(PlotFont, Path.Combine(assets, "DejaVuSans-Bold.ttf"), bold: true, italic: false);
        ScottPlot.Fonts.Default = PlotFont;
        return true;
    });

    public static IReadOnlyList<string> Write(EvaluationReport report, string directory)
    {
        _ = FontRegistered.Value;
        Directory.CreateDirectory(directory);
        var files = new List<string> { Path.Combine(directory, "report.json"), Path.Combine(directory, "report.md") };
        File.WriteAllText(files[0], JsonSerializer.Serialize(report, Json));
        File.WriteAllText(files[1], Markdown(report));
        foreach (var solver in report.Rows.Select(r => r.Solver).Distinct())
        {
            var plot = new ScottPlot.Plot();
            foreach (var schedule in report.Rows.Where(r => r.Solver == solver).Select(r => r.Schedule).Distinct())
            {
                var points = report.Rows.Where(r => r.Solver == solver && r.Schedule == schedule).OrderBy(r => r.Nfe).ToArray();
                var line = plot.Add.Scatter(points.Select(p => (double)p.Nfe).ToArray(), points.Select(p => p.Fd).ToArray());
                line.LegendText = schedule;
            }

            // Clipped at four times the best FD so the good schedules stay apart; worse ones leave the top.
            var fds = report.Rows.Where(r => r.Solver == solver).Select(r => r.Fd).Where(double.IsFinite).ToArray();
            var top = Math.Min(fds.Max(), 4 * fds.Min()) * 1.05;
            plot.Title($"{Path.GetFileName(report.Model.TrimEnd('/'))}, {solver}: FD-digits ({report.Samples} samples, seed {report.Seed}) against NFE");
            plot.XLabel("NFE");
            plot.YLabel(top < fds.Max() ? "FD-digits (lower is better; axis clipped)" : "FD-digits (lower is better)");
            plot.Font.Set(PlotFont);
            plot.Axes.SetLimitsY(0, top);
            // A tick at each measured NFE only (a fractional NFE means nothing), and the legend beside the data, not on it.
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            foreach (var nfe in report.Rows.Where(r => r.Solver == solver).Select(r => r.Nfe).Distinct().Order())
            {
                ticks.AddMajor(nfe, nfe.ToString(CultureInfo.InvariantCulture));
            }

            plot.Axes.Bottom.TickGenerator = ticks;
            plot.ShowLegend(ScottPlot.Edge.Right);
            var path = Path.Combine(directory, $"fd-{solver}.png");
            plot.SavePng(path, 1000, 600);
            files.Add(path);
        }

        return files;
    }

    private static string Markdown(EvaluationReport report)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"# {report.Model}: schedules measured");
        text.AppendLine();
        text.AppendLine(c, $"{report.Samples} samples (seed {report.Seed}, labels cycling through the real labels, guidance 1), FD-digits against the 1797 real images; RMSE against DDIM through {report.ReferenceSteps} trained steps on the first {report.ReferenceSamples} samples from the same noise; final step {report.FinalStep}; provider {report.ExecutionProvider}.");
        text.AppendLine();
        text.AppendLine("| solver | NFE | schedule | FD-digits | RMSE | agreement | MEP | seconds |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var row in report.Rows)
        {
            text.AppendLine(c, $"| {row.Solver} | {row.Nfe} | {row.Schedule} | {row.Fd:F3} | {row.Rmse:F4} | {row.Agreement:P1} | {row.Mep:F5} | {row.Seconds:F1} |");
        }

        var comparisons = Separation.Compare(report.Rows);
        if (comparisons.Count > 0)
        {
            var unseparated = comparisons.Where(comparison => !comparison.Separated).ToArray();
            text.AppendLine();
            text.AppendLine(c, $"Can {report.Samples} samples order the schedules? Every schedule samples the same noise, so the samples split into {Separation.Parts} consecutive quarters that pair up across schedules; the best schedule is separated from the runner-up when its FD is lower on every quarter (two equally good schedules pass by chance 1 time in 8). {(unseparated.Length == 0 ? "Separated at every (solver, NFE)." : $"**Not separated in {unseparated.Length} of {comparisons.Count}**: there the order of the best two is within the FD's sampling noise at this size, and more samples (`--n`) are needed to rank them.")}");
            text.AppendLine();
            text.AppendLine("| solver | NFE | best | FD | runner-up | FD | quarters where the best is lower |");
            text.AppendLine("|---|---|---|---|---|---|---|");
            foreach (var comparison in comparisons)
            {
                text.AppendLine(c, $"| {comparison.Solver} | {comparison.Nfe} | {comparison.Best.Schedule} | {comparison.Best.Fd:F3} | {comparison.RunnerUp.Schedule} | {comparison.RunnerUp.Fd:F3} | {comparison.PartsAgreeing} of {Separation.Parts}{(comparison.Separated ? "" : " (not separated)")} |");
            }
        }

        var validated = report.Rows.Where(r => r.Validation is not null).ToArray();
        if (validated.Length > 0)
        {
            text.AppendLine();
            text.AppendLine("Validated schedules: held-out FD (the samples above, whose seeds the search never saw) against the best other schedule in the table, and what each search measured on its calibration set:");
            text.AppendLine();
            text.AppendLine("| solver | NFE | held-out FD | best other | its FD | ratio | calibration K | calibration score | best candidate there | chosen by | confirmation draws: mean score | schedules measured | rho(MEP, score) | model evaluations / budget | search s | provider |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var row in validated)
            {
                var v = row.Validation!;
                var others = report.Rows.Where(r => r.Solver == row.Solver && r.Nfe == row.Nfe && r.Validation is null).ToArray();
                var best = others.Length == 0 ? null : others.MinBy(r => r.Fd);
                var rho = v.SpearmanMepScore is { } value ? value.ToString("F2", c) : "-";
                text.AppendLine(c, $"| {row.Solver} | {row.Nfe} | {row.Fd:F3} | {best?.Schedule ?? "-"} | {(best is null ? "-" : best.Fd.ToString("F3", c))} | {(best is null ? "-" : (row.Fd / best.Fd).ToString("F3", c))} | {v.Samples} | {v.Score:F3} | {v.BestCandidate} ({v.BestCandidateScore:F3}) | {v.ChosenBy} | {(v.ConfirmationScore is { } confirmed ? string.Create(c, $"{v.ConfirmationSeeds.Count}: {confirmed:F3}") : "-")} | {v.SchedulesMeasured} | {rho} | {v.Cost.ModelEvaluations:N0} / {v.Cost.Budget:N0} | {v.Cost.Seconds:F1} | {v.Cost.Provider} |");
            }
        }

        text.AppendLine();
        text.AppendLine("Spearman rank correlation between MEP and the measured scores, per (solver, NFE), over the schedules above:");
        text.AppendLine();
        text.AppendLine("| solver | NFE | schedules | rho(MEP, FD) | rho(MEP, RMSE) |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (var correlation in report.Correlations)
        {
            text.AppendLine(c, $"| {correlation.Solver} | {correlation.Nfe} | {correlation.Schedules} | {correlation.SpearmanMepFd:F2} | {correlation.SpearmanMepRmse:F2} |");
        }

        return text.ToString();
    }
}
