using System.Globalization;
using System.Text.Json;
using HsoService.Api.Hosting;
using HsoService.Inference.Pipelines;
using HsoService.Optimization;

namespace HsoService.Api.Generation;

/// <summary>
/// An OpenAI image request read as a <c>/generate</c> request (schedule <c>auto</c>, JSON answer), then parsed by
/// <see cref="GenerateCommand.Parse"/> like any other, so both routes share one set of limits and one model-class
/// contract. Only the translation lives here: <c>size</c> to width and height, a pixel model's prompt to its class,
/// the model's default NFE, and the names of OpenAI's fields in the errors.
/// </summary>
public static class OpenAiImageCommand
{
    public static GenerateCommand Parse(OpenAiImageRequest request, ModelCatalog models)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(models);
        var model = models.Require(request.Model);
        if (request.Prompt is null)
        {
            throw new HsoArgumentException("prompt is required (the text to draw; a class-conditional model's class label)", "prompt");
        }

        switch (request.ResponseFormat)
        {
            case null or "b64_json":
                break;
            case "url":
                throw new HsoArgumentException("response_format url is not served: the service keeps no images to link to; use b64_json (the default)", "response_format");
            default:
                throw new HsoArgumentException($"response_format must be b64_json, got '{EchoedText.Shorten(request.ResponseFormat, 32)}'", "response_format");
        }

        if (request.OutputFormat is not (null or "png"))
        {
            throw new HsoArgumentException($"output_format must be png (the only format served), got '{EchoedText.Shorten(request.OutputFormat, 32)}'", "output_format");
        }

        var pipeline = models.Pipeline(model);
        var defaults = pipeline.Defaults;
        var (width, height) = Size(request.Size);
        var takesSize = defaults.Fields.Contains(ConditioningFields.Names.Width);
        if (!takesSize && width is not null && (width != defaults.Width || height != defaults.Height))
        {
            throw new HsoArgumentException($"size: {model} draws {defaults.Width}x{defaults.Height} images only ({defaults.Description}); got {request.Size}", "size");
        }

        var byClass = defaults.Fields.Contains(ConditioningFields.Names.ClassLabel) && !defaults.Fields.Contains(ConditioningFields.Names.Prompt);
        var generate = new GenerateRequest(
            model,
            request.Nfe ?? models.DefaultNfe(model),
            request.Solver,
            JsonSerializer.SerializeToElement("auto"),
            byClass ? ClassLabel(request.Prompt, model, defaults) : null,
            byClass ? null : request.Prompt,
            request.NegativePrompt,
            null,
            null,
            request.GuidanceScale,
            request.Seed,
            request.N,
            takesSize ? width : null,
            takesSize ? height : null,
            "b64_json");
        try
        {
            return GenerateCommand.Parse(generate, models, preferJson: true);
        }
        catch (HsoArgumentException e) when (e.ParamName is ConditioningFields.Names.Width or ConditioningFields.Names.Height)
        {
            // The size arrived as one field.
            throw new HsoArgumentException($"size '{EchoedText.Shorten(request.Size, 32)}': {e.Message}", "size");
        }
        catch (HsoArgumentException e) when (e.ParamName is ConditioningFields.Names.ClassLabel)
        {
            throw new HsoArgumentException($"prompt: {e.Message}", "prompt");
        }
    }

    /// <summary>"WIDTHxHEIGHT" as two integers; absent or "auto": the model's default (nulls).</summary>
    public static (int? Width, int? Height) Size(string? size)
    {
        if (size is null or "auto")
        {
            return (null, null);
        }

        var parts = size.Split('x');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var width)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var height)
            ? (width, height)
            : throw new HsoArgumentException($"size must be WIDTHxHEIGHT in pixels (for example 512x512) or auto, got '{EchoedText.Shorten(size, 32)}'", "size");
    }

    // A class-conditional model has no text encoder: its prompt names a class by number, or none (unconditional).
    private static int? ClassLabel(string prompt, string model, ModelClassDefaults defaults)
    {
        var text = prompt.Trim();
        if (text.Length == 0)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var label)
            ? label
            : throw new HsoArgumentException(
                $"{model} is {defaults.Description} with no text encoder: its prompt is a class label as a number (\"3\") or \"\" for unconditional, got '{EchoedText.Shorten(prompt, 32)}'",
                "prompt");
    }
}
