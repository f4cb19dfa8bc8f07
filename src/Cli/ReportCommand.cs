using System.CommandLine;
using HsoService.Inference.Evaluation;
using HsoService.Optimization;

namespace HsoService.Cli;

/// <summary>
/// <c>hso report</c>: merges <c>report.json</c> files of separate <c>evaluate</c> runs (for example one per NFE on a
/// lent GPU) into one report with its table, correlations and plots. The runs must agree on how they measured.
/// </summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("reports") { Description = "report.json files written by hso evaluate", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "report directory", Required = true };
        var command = new Command("report", "Merge evaluation reports into one (table, correlations, plots)") { inputs, output };
        command.SetAction(result =>
        {
            var reports = result.GetRequiredValue(inputs).Select(ReportWriter.Read).ToArray();
            var first = reports[0];
            foreach (var other in reports.Skip(1))
            {
                if (other.Model != first.Model || other.Samples != first.Samples || other.Seed != first.Seed || other.ReferenceSamples != first.ReferenceSamples
                    || other.ReferenceSteps != first.ReferenceSteps || other.ExecutionProvider != first.ExecutionProvider)
                {
                    throw new HsoArgumentException(
                        $"reports differ in how they measured: {first.Model}/{first.Samples} samples/seed {first.Seed}/{first.ExecutionProvider} and {other.Model}/{other.Samples} samples/seed {other.Seed}/{other.ExecutionProvider}",
                        "reports");
                }
            }

            var rows = reports.SelectMany(r => r.Rows).OrderBy(r => r.Solver, StringComparer.Ordinal).ThenBy(r => r.Nfe).ToArray();
            var merged = first with { Rows = rows, Correlations = EvaluationReport.Correlate(rows) };
            foreach (var file in ReportWriter.Write(merged, result.GetRequiredValue(output)))
            {
                Console.WriteLine($"wrote {file}");
            }

            return 0;
        });
        return command;
    }
}
