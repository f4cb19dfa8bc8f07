namespace HsoService.Api.Hosting;

/// <summary>
/// The URL and header limits, enforced here so their refusals are problems like every other error: Kestrel itself
/// answers 414 and 431 with an empty body. Kestrel's own limits sit at twice these (see <see cref="ConfigureKestrel"/>)
/// as the hard stop for what no middleware should have to read.
/// </summary>
public sealed class RequestHeadLimit(RequestDelegate next)
{
    public const int MaxUrlBytes = 8 * 1024;
    public const int MaxHeaderBytes = 32 * 1024;

    public static void ConfigureKestrel(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Limits.MaxRequestLineSize = 2 * MaxUrlBytes;
        options.Limits.MaxRequestHeadersTotalSize = 2 * MaxHeaderBytes;
    }

    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        var request = context.Request;
        var url = (request.PathBase.Value?.Length ?? 0) + (request.Path.Value?.Length ?? 0) + (request.QueryString.Value?.Length ?? 0);
        var headers = request.Headers.Sum(h => h.Key.Length + 4 + h.Value.Sum(v => v?.Length ?? 0));
        var (status, detail) = url > MaxUrlBytes
            ? (StatusCodes.Status414UriTooLong, $"the URL is {url} bytes long; at most {MaxUrlBytes} are read")
            : headers > MaxHeaderBytes
                ? (StatusCodes.Status431RequestHeaderFieldsTooLarge, $"the headers are {headers} bytes long; at most {MaxHeaderBytes} are read")
                : (0, "");
        if (status == 0)
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = { Status = status, Detail = detail } });
    }
}
