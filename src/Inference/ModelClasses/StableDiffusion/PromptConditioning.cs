using HsoService.Inference.Pipelines;

namespace HsoService.Inference.ModelClasses.StableDiffusion;

/// <summary>A prompt, the negative prompt that steers guidance's unconditional half ("" when absent), and the image size.</summary>
public sealed record PromptConditioning(string Prompt, string NegativePrompt, int Width, int Height) : ImageConditioning(Width, Height);
