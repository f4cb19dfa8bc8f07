using HsoService.Inference.Storage;
using System.Text.Json;
using HsoService.Api.Schedules;
using HsoService.Inference.Models;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace HsoService.Api.Hosting;

/// <summary>
/// Turns every exception into an RFC 9457 problem: bad input 400 naming the field (from the exception's field name or
/// the JSON path), unknown model 404, body too large 413, store outage and generation timeout 503 with Retry-After,
/// anything else 500 with no internals. Never a stack trace.
/// </summary>
public sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail, field) = Classify(exception);
        if (field is not null && detail == $"{field}: unknown field" && Endpoints.OpenAiImageEndpoints.Handles(context.Request))
        {
            // An OpenAI field this route does not serve says why; any other says what the route takes.
            detail = Generation.OpenAiImageRequest.Unserved.TryGetValue(field, out var why)
                ? $"{field}: {why}"
                : $"{field}: unknown field; this route takes {Generation.OpenAiImageRequest.Takes}";
        }

        detail = EchoedText.Cap(detail);
        if (status >= 500 && status != StatusCodes.Status503ServiceUnavailable)
        {
            logger.LogError(exception, "Unhandled error on {Path}", context.Request.Path);
        }
        else if (exception is StoreWriteException write)
        {
            // The operator's to fix (space, permissions); the client was told only that the store could not write.
            logger.LogWarning("{Path} refused: {Message} ({Reason})", context.Request.Path, write.Message, write.InnerException?.Message);
        }

        if (status is StatusCodes.Status503ServiceUnavailable or StatusCodes.Status429TooManyRequests)
        {
            context.Response.Headers.RetryAfter = "5";
        }

        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (field is not null)
        {
            problem.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [detail] };
        }

        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static (int Status, string Title, string Detail, string? Field) Classify(Exception exception) => exception switch
    {
        ArgumentException { ParamName: { } name } argument => (400, "Invalid request", argument is Optimization.HsoArgumentException ? argument.Message : StripParameter(argument.Message), name),
        ArgumentException argument => (400, "Invalid request", argument.Message, null),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (413, "Payload too large", "the request body is larger than 64 KB", null),
        BadHttpRequestException { InnerException: JsonException json } => (400, TitleOf(json), Describe(json), FieldOf(json)),
        BadHttpRequestException bad when BindingFailure().Match(bad.Message) is { Success: true } binding =>
            (400, "Invalid request", $"{binding.Groups["name"].Value}: '{EchoedText.Shorten(binding.Groups["value"].Value)}' is not {Expected(binding.Groups["type"].Value)}", binding.Groups["name"].Value),
        BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } => (415, "Unsupported Media Type", "the body must be JSON with content-type application/json", null),
        BadHttpRequestException bad when bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase) && bad.Message.Contains("parameter", StringComparison.OrdinalIgnoreCase) =>
            (400, "Invalid request", "the body must be a JSON object with the request's fields (see /swagger)", null),
        BadHttpRequestException bad => (bad.StatusCode, Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(bad.StatusCode), bad.Message, null),
        JsonException json => (400, TitleOf(json), Describe(json), FieldOf(json)),
        NotFoundException notFound => (404, "Not Found", notFound.Message, notFound.Field),
        StoreUnavailableException unavailable => (503, "Service unavailable", $"{unavailable.Message}; retry later", null),
        UnreadableRecordException unreadable => (503, "Service unavailable", $"the store holds a record it cannot read ({unreadable.Key}); it has been logged", null),
        QueueFullException full => (503, "Service unavailable", full.Message, null),
        ClientLimitException limit => (429, "Too Many Requests", limit.Message, null),
        TimeoutException timeout => (503, "Service unavailable", timeout.Message, null),
        ModelLoadException load => (500, "Model unavailable", load.Message, null),
        _ => (500, "Internal error", "an unexpected error occurred; it has been logged", null),
    };

    // The framework's 'Failed to bind parameter "Nullable<int> seed" from "99999999999".', without the .NET type name.
    [System.Text.RegularExpressions.GeneratedRegex("^Failed to bind parameter \"(?<type>.+) (?<name>[A-Za-z_][A-Za-z0-9_]*)\" from \"(?<value>.*)\"\\.?$", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex BindingFailure();

    // System.Text.Json's "The JSON value could not be converted to System.Nullable`1[System.Int32]."
    [System.Text.RegularExpressions.GeneratedRegex("^The JSON value could not be converted to (?:System\\.Nullable`1\\[\\[?)?(?:System\\.)?(?<type>[A-Za-z0-9]+)")]
    private static partial System.Text.RegularExpressions.Regex ConversionFailure();

    // A value of the wrong type is a bad request, not bad JSON; broken JSON is "Invalid JSON".
    private static string TitleOf(JsonException json) =>
        json.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) || json.Message.Contains("could not be mapped", StringComparison.Ordinal) || IsDuplicate(json, out _)
            ? "Invalid request"
            : "Invalid JSON";

    // System.Text.Json's "Duplicate property 'nfe' encountered during deserialization of type '...'" (AllowDuplicateProperties off).
    [System.Text.RegularExpressions.GeneratedRegex("^Duplicate property '(?<name>[^']*)'")]
    private static partial System.Text.RegularExpressions.Regex DuplicateProperty();

    private static bool IsDuplicate(JsonException json, out string name)
    {
        var match = DuplicateProperty().Match(json.Message);
        name = match.Success ? match.Groups["name"].Value : "";
        return match.Success;
    }

    // "'x' is invalid after a single JSON value. Expected end of data.": a whole value, then more.
    private static bool IsTrailing(JsonException json) => json.Message.Contains("is invalid after a single JSON value", StringComparison.Ordinal);

    private static string Expected(string type) => type.Replace("Nullable<", "", StringComparison.Ordinal).TrimEnd('>') switch
    {
        "int" or "Int32" => "an integer",
        "long" or "Int64" => "an integer",
        "double" or "Double" => "a number",
        "bool" or "Boolean" => "true or false",
        "String" or "string" => "a string",
        "JsonElement" => "a value",
        _ => Unknown,
    };

    private const string Unknown = "a value of the documented type";

    private static string ExpectedFor(string? field) => field switch
    {
        "nfe" or "n" or "seed" or "class_label" or "width" or "height" => "an integer",
        "guidance_scale" => "a number",
        "force" => "true or false",
        "model" or "solver" or "mode" or "prompt" or "negative_prompt" or "response_format" => "a string",
        _ => Unknown,
    };

    // A body cut off mid-value: the parser names the last field it was in, which is not what is wrong.
    private static bool IsIncomplete(JsonException json) =>
        !IsTrailing(json) && (json.Message.Contains("Expected depth to be zero", StringComparison.Ordinal) || json.Message.Contains("end of data", StringComparison.Ordinal));

    private static string? FieldOf(JsonException json) => IsIncomplete(json) || IsTrailing(json) ? null : FieldOf(json.Path);

    private static string Describe(JsonException json)
    {
        var field = FieldOf(json);
        var message = json.Message.Split(" Path:", 2)[0];
        if (IsIncomplete(json))
        {
            message = "the body is not complete JSON: it ends before its object is closed";
        }
        else if (IsTrailing(json))
        {
            message = "the body continues after its JSON object has ended; send exactly one JSON object";
        }
        else if (IsDuplicate(json, out var duplicate))
        {
            // At the top level the path is the repeated field itself; inside a field's value it is that field.
            message = field == duplicate
                ? "given more than once; give each field once"
                : $"the property '{EchoedText.Shorten(duplicate)}' is given more than once; give each property once";
        }
        else if (ConversionFailure().Match(message) is { Success: true } conversion)
        {
            // The message names the property's type, or for a record's constructor parameter the record: then the
            // field's name says what it takes.
            var expected = Expected(conversion.Groups["type"].Value);
            message = $"expected {(expected == Unknown ? ExpectedFor(field) : expected)}";
        }
        else if (message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            message = "the value has the wrong type or is out of range";
        }
        else if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            message = "unknown field";
        }
        return field is null ? message : $"{field}: {message}";
    }

    // "$.nfe" -> "nfe"; "$.schedule[2]" -> "schedule"; the root -> null.
    private static string? FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return null;
        }

        var field = path.TrimStart('$', '.');
        var end = field.IndexOfAny(['.', '[']);
        return end > 0 ? field[..end] : field.Length > 0 ? field : null;
    }

    private static string StripParameter(string message)
    {
        var index = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return index > 0 ? message[..index] : message;
    }
}
