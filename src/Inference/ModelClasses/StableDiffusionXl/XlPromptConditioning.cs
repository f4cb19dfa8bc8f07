using HsoService.Inference.Pipelines;

namespace HsoService.Inference.ModelClasses.StableDiffusionXl;

/// <summary>
/// SDXL's prompts as diffusers resolves them: <paramref name="Prompt2"/> for the second encoder (the prompt when not
/// given), the negative prompt (null: none given, which zeroes the negative embeddings where the model says
/// <c>force_zeros_for_empty_prompt</c>) and <paramref name="NegativePrompt2"/> (null: the negative prompt), and the
/// image size.
/// </summary>
public sealed record XlPromptConditioning(string Prompt, string Prompt2, string? NegativePrompt, string? NegativePrompt2, int Width, int Height)
    : ImageConditioning(Width, Height);
