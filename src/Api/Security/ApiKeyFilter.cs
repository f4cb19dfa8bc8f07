using System.Security.Cryptography;
using System.Text;
using HsoService.Api.Configuration;
using Microsoft.Extensions.Options;

namespace HsoService.Api.Security;

/// <summary>When <c>Hso:ApiKey</c> is set, the endpoint needs the same value in the <c>X-Api-Key</c> header (401 otherwise).</summary>
public sealed class ApiKeyFilter(IOptions<HsoServiceOptions> options) : IEndpointFilter
{
    public const string Header = "X-Api-Key";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = options.Value.ApiKey;
        if (!string.IsNullOrEmpty(expected))
        {
            var given = context.HttpContext.Request.Headers[Header].ToString();
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected)))
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status401Unauthorized,
                    title: "Unauthorized",
                    detail: $"this endpoint needs a valid API key in the {Header} header");
            }
        }

        return await next(context);
    }
}
