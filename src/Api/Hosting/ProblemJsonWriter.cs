using Microsoft.Extensions.Options;

namespace HsoService.Api.Hosting;

/// <summary>
/// Writes a problem as <c>application/problem+json</c> whatever the request's Accept header says. The framework's
/// writer declines a client that accepts only, say, image/png or XML, and the error then went out with an empty body
/// (and an exception handler's 404 as a 500); an error body in JSON is more use to that client than none.
/// </summary>
public sealed class ProblemJsonWriter(IOptions<ProblemDetailsOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        options.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(context.HttpContext.Response.WriteAsJsonAsync(context.ProblemDetails, json.Value.SerializerOptions, OpenApiDocumentation.ProblemContentType));
    }
}
