using System.Globalization;
using System.Text;
using System.Text.Json;
using HsoService.Inference.Evaluation;

namespace HsoService.Cli;

/// <summary>Writes an evaluation report as <c>report.json</c> (snake_case), <c>report.md</c> and one FD-vs-NFE plot per solver.</summary>
internal static class ReportWriter
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static IReadOnlyList<string> Write(EvaluationReport report, string directory)
    {
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

            plot.Title($"{report.Model}, {solver}: FD-digits ({report.Samples} samples) against NFE");
            plot.XLabel("NFE");
            plot.YLabel("FD-digits (lower is better)");
            plot.Axes.SetLimitsY(0, report.Rows.Where(r => r.Solver == solver).Max(r => Math.Min(r.Fd, 200)) * 1.05);
            plot.ShowLegend();
            var path = Path.Combine(directory, $"fd-{solver}.png");
            plot.SavePng(path, 900, 600);
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
        text.AppendLine(c, $"{report.Samples} samples (seed {report.Seed}, labels cycling through the real labels, guidance 1), FD-digits against the 1797 real images; RMSE against DDIM through {report.ReferenceSteps} trained steps on the first {report.ReferenceSamples} samples from the same noise; provider {report.ExecutionProvider}.");
        text.AppendLine();
        text.AppendLine("| solver | NFE | schedule | FD-digits | RMSE | agreement | MEP | seconds |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var row in report.Rows)
        {
            text.AppendLine(c, $"| {row.Solver} | {row.Nfe} | {row.Schedule} | {row.Fd:F3} | {row.Rmse:F4} | {row.Agreement:P1} | {row.Mep:F5} | {row.Seconds:F1} |");
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
