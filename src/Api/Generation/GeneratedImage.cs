namespace HsoService.Api.Generation;

/// <summary>One image of a <c>/generate</c> response: base64 PNG and the seed that reproduces it alone.</summary>
public sealed record GeneratedImage(string B64Json, long Seed);
