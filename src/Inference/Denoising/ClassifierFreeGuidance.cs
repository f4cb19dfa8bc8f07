using HsoService.Optimization;
using System.Numerics.Tensors;

namespace HsoService.Inference.Denoising;

/// <summary>Classifier-free guidance (Ho and Salimans, 2022): out = uncond + scale (cond - uncond).</summary>
public static class ClassifierFreeGuidance
{
    /// <summary>True when a scale needs the unconditional half at all (scale 1 is the conditional prediction).</summary>
    public static bool IsActive(double scale) => scale != 1.0;

    /// <summary>Throws naming <c>guidance_scale</c> unless the scale is finite and within [0, 50].</summary>
    public static void Validate(double scale)
    {
        if (!double.IsFinite(scale) || scale < 0 || scale > 50)
        {
            throw new HsoArgumentException($"guidance_scale must be a finite number in [0, 50], got {scale}", "guidance_scale");
        }
    }

    /// <summary>Combines the two halves into <paramref name="output"/> (which may alias <paramref name="unconditional"/>).</summary>
    public static void Combine(ReadOnlySpan<float> unconditional, ReadOnlySpan<float> conditional, double scale, Span<float> output)
    {
        // uncond + s (cond - uncond) = s cond + (1 - s) uncond
        TensorPrimitives.Multiply(unconditional, (float)(1 - scale), output);
        TensorPrimitives.MultiplyAdd(conditional, (float)scale, output, output);
    }
}
