namespace HsoService.Api.Generation;

/// <summary>One image of a <c>/generate</c> response: base64 PNG and the seed that reproduces it alone.</summary>
/// <param name="B64Json">The PNG, base64-encoded.</param>
/// <param name="Seed">The seed that gives this image again as a request with n = 1.</param>
public sealed record GeneratedImage(string B64Json, long Seed);
