using System.Text.Json.Serialization;

namespace HsoService.Inference.Models;

/// <summary>Which pipeline a model folder runs.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PipelineKind>))]
public enum PipelineKind
{
    /// <summary>A class-conditional pixel-space model (unet with <c>class_labels</c>), like digits16-ddpm.</summary>
    [JsonStringEnumMemberName("class_conditional_pixel")]
    ClassConditionalPixel,

    /// <summary>Stable Diffusion text-to-image in the optimum ONNX layout (text encoder, unet, vae decoder, tokenizer).</summary>
    [JsonStringEnumMemberName("stable_diffusion")]
    StableDiffusion,
}
