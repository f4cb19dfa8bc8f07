namespace HsoService.Optimization.Families;

/// <summary>
/// Settings of a baseline family. <see cref="Variant"/> is the part after a colon in a family name
/// (<c>uniform_t:leading</c>, <c>ays:sdxl</c>, <c>edm:5</c>). <see cref="TMax"/> and <see cref="Eps"/> default to the
/// schedule's whole range [1/N, 1] for the continuous families.
/// </summary>
public sealed record FamilyOptions
{
    public string? Variant { get; init; }
    public double? TMax { get; init; }
    public double? Eps { get; init; }

    /// <summary>Steps offset of diffusers' <c>leading</c> spacing; null takes the scheduler config's <c>steps_offset</c>.</summary>
    public int? StepsOffset { get; init; }

    /// <summary>The image's token count (packed latent tokens) for a flow scheduler that shifts by resolution (family default).</summary>
    public int? ImageSeqLen { get; init; }

    /// <summary>The pipeline passes linspace(1, 1/n, n) as sigmas (FluxPipeline) instead of letting the scheduler space them (family default).</summary>
    public bool PipelineLinspace { get; init; }
}
