using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using HsoService.Api.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace HsoService.Api.Security;

/// <summary>
/// The <c>X-Api-Key</c> scheme. With <c>Hso:ApiKey</c> set, a request is authenticated when the header carries the
/// same value, or <c>Authorization: Bearer</c> does (how OpenAI's clients send their key); without it every request is
/// (the laptop default). The protected routes require authorization, so the
/// framework answers 401 before their body is read. Keys are compared as SHA-256 digests, whose length is fixed, so
/// the comparison's time says nothing about the key's length.
/// </summary>
public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<HsoServiceOptions> options,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-Api-Key";

    /// <summary>What a refused request is told.</summary>
    public const string Needed = "this endpoint needs a valid API key in the X-Api-Key header (or as Authorization: Bearer KEY)";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var expected = options.Value.ApiKey;
        if (!string.IsNullOrEmpty(expected) && !Matches(KeyOf(Request), expected))
        {
            return Task.FromResult(KeyOf(Request).Length > 0 ? AuthenticateResult.Fail("invalid API key") : AuthenticateResult.NoResult());
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "api-client")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = new Microsoft.Extensions.Primitives.StringValues([SchemeName, "Bearer"]);
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = 401, Title = "Unauthorized", Detail = Needed },
        });
    }

    /// <summary>
    /// Who a request is, for rate limiting: its API key (as a digest) when the key is valid, else its client address
    /// (already the forwarded one when it came through a known proxy).
    /// </summary>
    public static string ClientOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var expected = context.RequestServices.GetRequiredService<IOptions<HsoServiceOptions>>().Value.ApiKey;
        var given = KeyOf(context.Request);
        if (!string.IsNullOrEmpty(expected) && given.Length > 0 && Digest(given) is var digest && CryptographicOperations.FixedTimeEquals(digest, Digest(expected)))
        {
            return "key:" + Convert.ToHexString(digest)[..16];
        }

        return "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }

    /// <summary>The key a request presents: its X-Api-Key header, else its bearer token; "" when none.</summary>
    public static string KeyOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers[Header].ToString();
        if (header.Length > 0)
        {
            return header;
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : "";
    }

    private static bool Matches(string given, string expected) => CryptographicOperations.FixedTimeEquals(Digest(given), Digest(expected));

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
