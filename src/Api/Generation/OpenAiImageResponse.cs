namespace HsoService.Api.Generation;

/// <summary>The answer of <c>POST /v1/images/generations</c>, in OpenAI's shape.</summary>
/// <param name="Created">When the images were made, in Unix seconds.</param>
/// <param name="Data">The images, in seed order (image i from seed + i; X-Hso-Seed holds the first seed).</param>
/// <param name="OutputFormat">The images' file format: png.</param>
/// <param name="Size">The images' size, WIDTHxHEIGHT in pixels.</param>
public sealed record OpenAiImageResponse(long Created, IReadOnlyList<OpenAiImage> Data, string OutputFormat, string Size);

/// <summary>One image of an OpenAI-shaped answer.</summary>
/// <param name="B64Json">The PNG, base64-encoded.</param>
public sealed record OpenAiImage(string B64Json);
