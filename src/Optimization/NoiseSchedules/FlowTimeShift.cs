namespace HsoService.Optimization.NoiseSchedules;

/// <summary>
/// The sigma shifts of diffusers' <c>FlowMatchEulerDiscreteScheduler</c>, written from its formulas: a static shift
/// s' = shift s / (1 + (shift - 1) s); a dynamic one s' = e^mu / (e^mu + (1/s - 1)) (exponential) or
/// mu / (mu + (1/s - 1)) (linear), with mu linear in the image's token count between (base_image_seq_len, base_shift)
/// and (max_image_seq_len, max_shift); and shift_terminal's stretch 1 - s' = (1 - s) (1 - terminal) / (1 - s_last).
/// Every shift maps [0, 1] onto itself and is strictly increasing, so it can be inverted.
/// </summary>
public static class FlowTimeShift
{
    /// <summary>mu for an image of <paramref name="imageSeqLen"/> tokens, as diffusers' pipelines compute it (calculate_shift).</summary>
    public static double Mu(FlowMatchSettings settings, int imageSeqLen)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var slope = (settings.MaxShift - settings.BaseShift) / (settings.MaxImageSeqLen - settings.BaseImageSeqLen);
        return settings.BaseShift + slope * (imageSeqLen - settings.BaseImageSeqLen);
    }

    /// <summary>The shifted sigma: static, or dynamic with <paramref name="mu"/> (required when dynamic shifting is on).</summary>
    public static double Apply(FlowMatchSettings settings, double sigma, double? mu = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.UseDynamicShifting)
        {
            return settings.Shift * sigma / (1 + (settings.Shift - 1) * sigma);
        }

        var m = RequireMu(mu);
        if (sigma <= 0)
        {
            return 0;
        }

        var odds = 1 / sigma - 1;
        var scale = settings.TimeShiftType == TimeShiftType.Exponential ? Math.Exp(m) : m;
        return scale / (scale + odds);
    }

    /// <summary>The sigma that <see cref="Apply"/> maps onto <paramref name="shifted"/>.</summary>
    public static double Invert(FlowMatchSettings settings, double shifted, double? mu = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.UseDynamicShifting)
        {
            return shifted / (settings.Shift - (settings.Shift - 1) * shifted);
        }

        var m = RequireMu(mu);
        if (shifted <= 0)
        {
            return 0;
        }

        var scale = settings.TimeShiftType == TimeShiftType.Exponential ? Math.Exp(m) : m;
        return 1 / (1 + scale * (1 / shifted - 1));
    }

    /// <summary>
    /// The n sigmas a pipeline evaluates with the scheduler configured as shipped (the trailing 0 left out), as
    /// <c>set_timesteps</c> computes them. By default (StableDiffusion3Pipeline) the scheduler spaces them itself:
    /// linspace(sigma_max, sigma_min, n) of its trained sigmas (already shifted once when the shift is static), shifted
    /// again; with <paramref name="pipelineLinspace"/> (FluxPipeline) the pipeline passes linspace(1, 1/n, n).
    /// shift_terminal then stretches the result.
    /// </summary>
    public static double[] DefaultSigmas(FlowMatchSettings settings, int trainSteps, int n, double? mu = null, bool pipelineLinspace = false)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var sigmas = new double[n];
        // The scheduler's trained sigmas run from 1 down to 1/N, shifted at construction unless the shift is dynamic.
        var (sigmaMax, sigmaMin) = settings.UseDynamicShifting ? (1.0, 1.0 / trainSteps) : (Apply(settings, 1.0), Apply(settings, 1.0 / trainSteps));
        for (var i = 0; i < n; i++)
        {
            var spaced = pipelineLinspace
                ? Linspace(1.0, 1.0 / n, n, i)
                : Linspace(sigmaMax * trainSteps, sigmaMin * trainSteps, n, i) / trainSteps;
            sigmas[i] = Apply(settings, spaced, mu);
        }

        return settings.ShiftTerminal is { } terminal ? StretchToTerminal(sigmas, terminal) : sigmas;
    }

    /// <summary>diffusers' stretch_shift_to_terminal: 1 - s' = (1 - s) (1 - terminal) / (1 - s_last).</summary>
    public static double[] StretchToTerminal(IReadOnlyList<double> sigmas, double terminal)
    {
        ArgumentNullException.ThrowIfNull(sigmas);
        var scale = (1 - sigmas[^1]) / (1 - terminal);
        return [.. sigmas.Select(s => 1 - (1 - s) / scale)];
    }

    private static double RequireMu(double? mu) =>
        mu is { } value && double.IsFinite(value)
            ? value
            : throw new HsoArgumentException("this scheduler shifts its sigmas by the image's resolution (use_dynamic_shifting), so mu (from width and height) is required", "mu");

    private static double Linspace(double start, double end, int count, int index) =>
        count == 1 ? start : index == count - 1 ? end : start + (end - start) * index / (count - 1);
}
