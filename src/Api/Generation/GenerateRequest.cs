using System.Text.Json;

namespace HsoService.Api.Generation;

/// <summary>
/// The body of <c>POST /generate</c>. <c>schedule</c> is "auto" (default: the cached validated or selected schedule,
/// else the solver's default family while the selection is queued), "selected" or "validated" (cached only), a family
/// name (<c>uniform_lambda</c>, <c>edm:5</c>, ...), "hso-paper", "hso-robust", or explicit descending times. Pixel models take <c>class_label</c> (absent: unconditional); Stable Diffusion models take <c>prompt</c>.
/// </summary>
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
