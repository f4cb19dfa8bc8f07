using Microsoft.AspNetCore.Http.Features;

namespace HsoService.Api.Hosting;

/// <summary>
/// Completes every problem the service writes, ours and the framework's (404 for no route, 405, 415, 401, 429):
/// one type URI style (RFC 9110's section for the status), a title, a detail when the writer gave none, and the
/// request's trace id, so every error body a client sees has the same shape. On the OpenAI-shaped route the problem
/// also carries OpenAI's <c>error</c> object.
/// </summary>
public static class ProblemDefaults
{
    public static void Complete(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var http = context.HttpContext;
        var status = problem.Status ?? http.Response.StatusCode;
        problem.Status = status;
        problem.Type = TypeFor(status);
        problem.Title ??= Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
        problem.Detail ??= DetailFor(status, http);
        problem.Extensions["trace_id"] = System.Diagnostics.Activity.Current?.Id ?? http.TraceIdentifier;
        problem.Extensions.Remove("traceId");
        if (Endpoints.OpenAiImageEndpoints.Handles(http.Request))
        {
            // OpenAI's clients read the message from their own error object.
            var field = problem.Extensions.TryGetValue("errors", out var errors) && errors is Dictionary<string, string[]> named ? named.Keys.FirstOrDefault() : null;
            problem.Extensions["error"] = Generation.OpenAiError.For(status, problem.Detail ?? problem.Title, field);
        }
    }

    public static string TypeFor(int status) => status switch
    {
        400 => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        401 => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        403 => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        404 => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        405 => "https://tools.ietf.org/html/rfc9110#section-15.5.6",
        409 => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        413 => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        414 => "https://tools.ietf.org/html/rfc9110#section-15.5.15",
        415 => "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        429 => "https://tools.ietf.org/html/rfc6585#section-4",
        431 => "https://tools.ietf.org/html/rfc6585#section-5",
        500 => "https://tools.ietf.org/html/rfc9110#section-15.6.1",
        503 => "https://tools.ietf.org/html/rfc9110#section-15.6.4",
        _ => "about:blank",
    };

    private static string? DetailFor(int status, HttpContext http) => status switch
    {
        404 => $"no endpoint at {http.Request.Method} {EchoedText.Shorten(http.Request.Path, 100)}; the API is listed at /swagger",
        405 => $"{http.Request.Method} is not allowed on {EchoedText.Shorten(http.Request.Path, 100)}; allowed: {http.Response.Headers.Allow}",
        415 => $"the body must be JSON with content-type application/json, got '{EchoedText.Shorten(http.Request.ContentType ?? "none", 100)}'",
        413 => $"the request body is larger than {RequestBodyLimit.MaxBytes / 1024} KB",
        401 => Security.ApiKeyAuthentication.Needed,
        500 => "an unexpected error occurred; it has been logged",
        _ => http.Features.Get<IHttpResponseFeature>()?.ReasonPhrase,
    };

}
