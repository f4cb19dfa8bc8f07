using System.Text.Json;
using System.Text.Json.Serialization;

namespace HsoService.Api.Generation;

/// <summary>
/// The body of <c>POST /generate</c>. <c>schedule</c> is "auto" (default: the cached validated or selected schedule,
/// else the solver's default family while the selection is queued), "selected" or "validated" (cached only), a family
/// name (<c>uniform_lambda</c>, <c>edm:5</c>, ...), "hso-paper", "hso-robust", or explicit descending times. Each model
/// class takes its own conditioning fields (GET /models lists them): pixel models <c>class_label</c> (absent:
/// unconditional); Stable Diffusion <c>prompt</c>, <c>negative_prompt</c>, <c>width</c>, <c>height</c>; SDXL also
/// <c>prompt_2</c> and <c>negative_prompt_2</c>. A field the model does not take is refused by name.
/// </summary>
/// <param name="Model">A served model id (GET /models).</param>
/// <param name="Nfe">Network evaluations of the sampler, 2..1000 (a cached or selected schedule needs 2..50).</param>
/// <param name="Solver">ddim (euler is read as ddim), unipc or dpmpp2m; the model's default solver when absent.</param>
/// <param name="Schedule">auto (default), selected, validated, a family (default: the model's own diffusers schedule; uniform_t, uniform_t:leading, uniform_t:linspace, uniform_lambda, edm, edm:RHO, quadratic_t, ays for DDPM models, flow_shift:SHIFT for flow models), hso-paper, hso-robust, explicit times: an array of descending numbers in [0.001, 1], NFE + 1 of them for unipc and dpmpp2m, NFE for ddim; diffusers' integer timesteps as {"timesteps": [...]}, NFE of them, noisiest first (a schedule's diffusers.timesteps on a DDPM model); or the scheduler's sigmas as {"sigmas": [...]}, NFE of them then 0 (flow sigmas on SD3, Flux and other flow models; EDM sigmas on a DDPM model).</param>
/// <param name="ClassLabel">The digit to draw (class-conditional pixel models); absent: unconditional.</param>
/// <param name="Prompt">The text to draw (Stable Diffusion, SDXL, SD3 and Flux models, which require it).</param>
/// <param name="NegativePrompt">Text to steer away from (Stable Diffusion, SDXL and SD3 models; not Flux, which has no classifier-free guidance). Absent on SDXL: zero negative embeddings where the model says force_zeros_for_empty_prompt, as diffusers does.</param>
/// <param name="Prompt2">SDXL: the prompt for the second text encoder; the prompt when absent or empty.</param>
/// <param name="NegativePrompt2">SDXL: the negative prompt for the second text encoder; the negative prompt when absent or empty. Used only with a negative_prompt where the model forces zeros for an empty one (as diffusers does).</param>
/// <param name="GuidanceScale">Classifier-free guidance scale; the model's default when absent (GET /models: 1, none, for pixel models; 7.5 for Stable Diffusion; 5 for SDXL; 7 for SD3; 3.5 for Flux, whose transformer takes it as an input instead of guiding).</param>
/// <param name="Seed">Seed of the first image, a non-negative integer; image i uses seed + i. Random when absent.</param>
/// <param name="N">Images to make, 1..16.</param>
/// <param name="Width">Image width in pixels, a multiple of 8 (16 for SD3 and Flux) for the text-to-image models; the model's default size when absent.</param>
/// <param name="Height">Image height in pixels, a multiple of 8 (16 for SD3 and Flux) for the text-to-image models; the model's default size when absent.</param>
/// <param name="Latents">The initial noise itself: unscaled N(0, 1) values in the model's latent layout [n, C, h, w] (GET /models' latent_shape at the default size; a pixel model's image layout; for Flux the unpacked layout [n, 16, H/8, W/8] that FluxPipeline draws before it packs, not its packed [n, tokens, 64]), little-endian float32, base64. Replaces the seed's noise (the seed is then unused), so a result can be reproduced against another implementation.</param>
/// <param name="ResponseFormat">png (the default for n = 1: the body is the PNG) or b64_json (the default for n > 1, and for a client whose Accept header takes application/json but not image/png: JSON with base64 PNGs).</param>
public sealed record GenerateRequest(
    string? Model,
    int? Nfe,
    string? Solver,
    JsonElement? Schedule,
    int? ClassLabel,
    string? Prompt,
    string? NegativePrompt,
    [property: JsonPropertyName("prompt_2")] string? Prompt2,
    [property: JsonPropertyName("negative_prompt_2")] string? NegativePrompt2,
    double? GuidanceScale,
    long? Seed,
    int? N,
    int? Width,
    int? Height,
    string? ResponseFormat,
    string? Latents = null);
