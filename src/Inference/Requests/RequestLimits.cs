using HsoService.Optimization;

namespace HsoService.Inference.Requests;

/// <summary>
/// The one table of what a request may ask for, shared by the HTTP API and the hso command, so the two can never
/// disagree; every refusal names the field, the allowed range and the value given.
/// </summary>
public static class RequestLimits
{
    /// <summary>NFE of a schedule that is optimized, selected or cached: HSO is a few-step method.</summary>
    public static readonly IntRange OptimizeNfe = new(2, 50);

    /// <summary>NFE a sampler may run with a family or explicit schedule (long reference runs included).</summary>
    public static readonly IntRange SampleNfe = new(2, 1000);

    /// <summary>The optimizer's seed (differential evolution).</summary>
    public static readonly LongRange OptimizerSeed = new(0, int.MaxValue);

    /// <summary>Seed of image 0; image i uses seed + i.</summary>
    public static readonly LongRange ImageSeed = new(0, long.MaxValue - 1024);

    /// <summary>Images per request.</summary>
    public static readonly IntRange Images = new(1, 16);

    /// <summary>Images in one grid of <c>hso generate</c> (the CLI draws them into one PNG).</summary>
    public static readonly IntRange GridImages = new(1, 256);

    /// <summary>Width and height of a Stable Diffusion image, in pixels (a multiple of 8: the VAE's factor).</summary>
    public static readonly IntRange Side = new(8, 1024);

    /// <summary>Entries per page of a list.</summary>
    public static readonly IntRange Page = new(1, 1000);

    /// <summary>Characters of a prompt or negative prompt.</summary>
    public const int MaxText = 1000;

    /// <summary>Characters of a job id.</summary>
    public const int MaxJobId = 64;

    /// <summary>An inclusive integer range that refuses a value naming its field.</summary>
    public sealed record IntRange(int Min, int Max)
    {
        public int Check(int value, string field) => value >= Min && value <= Max
            ? value
            : throw new HsoArgumentException($"{field} must be an integer in {Min}..{Max}, got {value}", field);

        public override string ToString() => $"{Min}..{Max}";
    }

    /// <summary>An inclusive 64-bit range that refuses a value naming its field.</summary>
    public sealed record LongRange(long Min, long Max)
    {
        public long Check(long value, string field) => value >= Min && value <= Max
            ? value
            : throw new HsoArgumentException($"{field} must be an integer in {Min}..{Max}, got {value}", field);

        public override string ToString() => $"{Min}..{Max}";
    }

    /// <summary>Refuses text longer than <see cref="MaxText"/>, naming the field.</summary>
    public static string? CheckText(string? text, string field) => text is null || text.Length <= MaxText
        ? text
        : throw new HsoArgumentException($"{field} must be at most {MaxText} characters, got {text.Length}", field);
}
