using System.CommandLine;
using HsoService.Inference.Evaluation;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Validation;
using HsoService.Optimization;

namespace HsoService.Cli;

/// <summary>
/// <c>hso reference-stats</c>: the feature statistics of real images a validated search measures FD against, written
/// once per model (by default beside the model's classifier).
/// </summary>
internal static class ReferenceStatsCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "a model id under models/ or a model folder", DefaultValueFactory = _ => "digits16-ddpm" };
        var images = new Option<string>("--images") { Description = "real images as label,pixels CSV (gzip), 16 x 16 grey values 0..255", Required = true };
        var extractor = new Option<string?>("--feature-extractor") { Description = "ONNX image encoder (default: the model's classifier/model.onnx)" };
        var output = new Option<string>("--feature-output") { Description = "the encoder's [batch, features] output", DefaultValueFactory = _ => "features" };
        var file = new Option<string?>("--out") { Description = "where to write (default: the model's classifier/reference_statistics.json)" };
        var command = new Command("reference-stats", "Compute the reference feature statistics FD is measured against in validated mode")
        {
            model, images, extractor, output, file,
        };
        command.SetAction(result =>
        {
            var sessions = ModelSource.Sessions();
            using var pipeline = ModelSource.Open(result.GetRequiredValue(model), sessions);
            var encoderPath = result.GetValue(extractor) ?? pipeline.Folder.ClassifierPath
                ?? throw new HsoArgumentException($"model '{pipeline.Folder.Root}' has no classifier/model.onnx; name one with --feature-extractor", "feature-extractor");
            var path = result.GetValue(file) ?? Path.Combine(Path.GetDirectoryName(encoderPath)!, "reference_statistics.json");
            var imagesPath = result.GetRequiredValue(images);
            var dataset = DigitsDataset.Load(imagesPath);
            using var encoder = new FeatureEncoder(sessions.Open(encoderPath, Path.GetFileName(encoderPath)), result.GetRequiredValue(output));
            var features = encoder.Encode(dataset.Images, dataset.Count, [1, DigitsDataset.Side, DigitsDataset.Side]);
            var statistics = FeatureStatistics.From(features, dataset.Count, encoder.FeatureCount);
            ReferenceStatistics.Save(statistics, $"{Path.GetFileName(imagesPath)} ({dataset.Count} images) through {encoder.Name}", path);
            Console.WriteLine($"wrote {path} ({dataset.Count} images, {encoder.FeatureCount} features)");
            return 0;
        });
        return command;
    }
}
