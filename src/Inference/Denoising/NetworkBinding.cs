namespace HsoService.Inference.Denoising;

/// <summary>
/// How a denoising network takes its sample and time: the sample input's name (<c>sample</c> for a unet,
/// <c>hidden_states</c> for a transformer), an optional packing of the latents into its layout, and the factor its
/// timestep is of the schedule's model time (1; Flux's transformer takes s where SD3's takes 1000 s).
/// </summary>
public sealed record NetworkBinding(string SampleInput = "sample", ILatentPacking? Packing = null, double TimestepScale = 1.0)
{
    public static NetworkBinding Unet { get; } = new();
}
