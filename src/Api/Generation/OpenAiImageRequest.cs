namespace HsoService.Api.Generation;

/// <summary>
/// The body of <c>POST /v1/images/generations</c>: OpenAI's image-generation request, so that OpenAI's clients (its
/// SDKs, and tools built on them) generate with a served model. It is mapped onto the same generation as
/// <c>POST /generate</c> with schedule <c>auto</c>. OpenAI fields this service cannot honour (<c>quality</c>,
/// <c>style</c>, <c>background</c>, <c>moderation</c>, <c>output_compression</c>, <c>stream</c>, <c>url</c> responses,
/// jpeg and webp) are refused by name rather than ignored. The last five fields are this service's own, for clients
/// that can send extra fields (OpenAI's Python SDK: <c>extra_body</c>).
/// </summary>
/// <param name="Model">A served model id (GET /models).</param>
/// <param name="Prompt">The text to draw. A class-conditional pixel model (the digits models) reads it as its class: the label's number ("3"), or "" for unconditional.</param>
/// <param name="N">Images to make, 1..16; 1 when absent.</param>
/// <param name="Size">"WIDTHxHEIGHT" in pixels (each a multiple of 8, 16 for SD3 and Flux), or "auto" (the default): the model's default size (GET /models). A pixel model takes only its own size.</param>
/// <param name="ResponseFormat">b64_json, the default and the only one: the service keeps no images to link to, so url is refused.</param>
/// <param name="OutputFormat">png, the default and the only one served.</param>
/// <param name="User">OpenAI's end-user id; accepted and not used.</param>
/// <param name="Nfe">This service's own: network evaluations of the sampler, 2..1000; the model's default (GET /models' defaults.nfe, Hso:Models:{id}:DefaultNfe) when absent.</param>
/// <param name="Solver">This service's own: ddim (euler), unipc or dpmpp2m; the model's default solver when absent.</param>
/// <param name="Seed">This service's own: seed of the first image, image i uses seed + i; random when absent (X-Hso-Seed says which).</param>
/// <param name="GuidanceScale">This service's own: classifier-free guidance scale; the model's default when absent.</param>
/// <param name="NegativePrompt">This service's own: text to steer away from, on the models whose POST /generate takes negative_prompt.</param>
public sealed record OpenAiImageRequest(
    string? Model,
    string? Prompt,
    int? N,
    string? Size,
    string? ResponseFormat,
    string? OutputFormat,
    string? User,
    int? Nfe,
    string? Solver,
    long? Seed,
    double? GuidanceScale,
    string? NegativePrompt)
{
    /// <summary>OpenAI's image fields that this route does not serve, and why; each is refused naming it.</summary>
    public static IReadOnlyDictionary<string, string> Unserved { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["quality"] = "quality is not served: an image's quality here follows its schedule and nfe, not a named level",
        ["style"] = "style is not served: it is a DALL-E 3 setting with no counterpart in a diffusion model's sampling",
        ["background"] = "background is not served: images are opaque PNGs",
        ["moderation"] = "moderation is not served: this service does no content moderation",
        ["output_compression"] = "output_compression is not served: images are lossless PNGs",
        ["stream"] = "stream is not served: images are answered whole",
        ["partial_images"] = "partial_images is not served: images are answered whole",
        ["input_fidelity"] = "input_fidelity is not served: this route generates from text, it edits no image",
    };

    /// <summary>The fields this route takes, for the message that refuses any other.</summary>
    public const string Takes = "model, prompt, n, size, response_format (b64_json), output_format (png), user, and this service's nfe, solver, seed, guidance_scale, negative_prompt";
}
