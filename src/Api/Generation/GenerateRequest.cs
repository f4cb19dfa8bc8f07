using System.Text.Json;

namespace HsoService.Api.Generation;

/// <summary>
/// The body of <c>POST /generate</c>. <c>schedule</c> is "auto" (default: the cached validated or selected schedule,
/// else the solver's default family while the selection is queued), "selected" or "validated" (cached only), a family
/// name (<c>uniform_lambda</c>, <c>edm:5</c>, ...), "hso-paper", "hso-robust", or explicit descending times. Pixel models take <c>class_label</c> (absent: unconditional); Stable Diffusion models take <c>prompt</c>.
/// </summary>
/// <param name="Model">A served model id (GET /models).</param>
/// <param name="Nfe">Network evaluations of the sampler, 2..1000 (a cached or selected schedule needs 2..50).</param>
/// <param name="Solver">ddim (euler is read as ddim), unipc or dpmpp2m; the model's default solver when absent.</param>
/// <param name="Schedule">auto (default), selected, validated, a family (uniform_t, uniform_t:leading, uniform_t:linspace, uniform_lambda, edm, edm:RHO, quadratic_t, ays), hso-paper, hso-robust, explicit times: an array of descending numbers in [0.001, 1], NFE + 1 of them for unipc and dpmpp2m, NFE for ddim; or diffusers' integer timesteps as {"timesteps": [...]}, NFE of them, noisiest first (a schedule's diffusers.timesteps).</param>
/// <param name="ClassLabel">The digit to draw (class-conditional pixel models); absent: unconditional.</param>
/// <param name="Prompt">The text to draw (Stable Diffusion models).</param>
/// <param name="NegativePrompt">Text to steer away from (Stable Diffusion models).</param>
/// <param name="GuidanceScale">Classifier-free guidance scale; 7.5 for Stable Diffusion and 1 (none) for pixel models when absent.</param>
/// <param name="Seed">Seed of the first image, a non-negative integer; image i uses seed + i. Random when absent.</param>
/// <param name="N">Images to make, 1..16.</param>
/// <param name="Width">Image width in pixels (Stable Diffusion models).</param>
/// <param name="Height">Image height in pixels (Stable Diffusion models).</param>
/// <param name="ResponseFormat">png (the default for n = 1: the body is the PNG) or b64_json (the default for n > 1, and for a client whose Accept header takes application/json but not image/png: JSON with base64 PNGs).</param>
public sealed record GenerateRequest(
    string? Model,
    int? Nfe,
    string? Solver,
    JsonElement? Schedule,
    int? ClassLabel,
    string? Prompt,
    string? NegativePrompt,
    double? GuidanceScale,
    long? Seed,
    int? N,
    int? Width,
    int? Height,
    string? ResponseFormat);
