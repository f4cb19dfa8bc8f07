using System.Globalization;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Optimization.Families;

/// <summary>
/// Align Your Steps (Sabour, Fidler and Kreis, 2024): the published 10-step EDM sigma lists for Stable Diffusion 1.5
/// (variant <c>sd15</c>, default) and SDXL (<c>sdxl</c>), log-linearly interpolated to NFE + 1 sigmas as their authors
/// describe for other step counts, then mapped to t through the model's schedule. The last sigma ends the final step:
/// DDIM evaluates the first NFE. The lists were optimised for SD's sigma range [0.029, 14.615]; a schedule whose range
/// differs gets a warning, and sigmas outside its range are clamped.
/// </summary>
public sealed class AlignYourStepsFamily : IScheduleFamily
{
    private static readonly double[] StableDiffusion15 = [14.615, 6.475, 3.861, 2.697, 1.886, 1.396, 0.963, 0.652, 0.399, 0.152, 0.029];
    private static readonly double[] StableDiffusionXl = [14.615, 6.315, 3.771, 2.181, 1.342, 0.862, 0.555, 0.380, 0.234, 0.113, 0.029];

    public string Name => "ays";

    public string? DefaultVariant => "sd15";

    public double[] Times(NoiseSchedule noise, SolverKind solver, int nfe, FamilyOptions options, List<string> warnings)
    {
        if (noise.IsFlow)
        {
            // The lists are EDM sigmas fitted to SD's DDPM schedule; mapping them through s = e / (1 + e) would give a
            // flow a schedule tuned for another process, so they are refused rather than mapped.
            throw new HsoArgumentException("ays lists were published for DDPM (variance-preserving) models and are not mapped to flow models; use default, flow_shift, uniform_lambda, edm or uniform_t", "family");
        }

        var variant = options.Variant ?? DefaultVariant!;
        var published = variant switch
        {
            "sd15" => StableDiffusion15,
            "sdxl" => StableDiffusionXl,
            _ => throw new HsoArgumentException($"ays variant '{variant}' is not one of sd15, sdxl", "family"),
        };

        var sigmaMax = noise.EdmSigma(1.0);
        var sigmaMin = noise.EdmSigma(noise.TMin);
        if (Math.Abs(Math.Log(sigmaMax / published[0])) > 0.05 || Math.Abs(Math.Log(sigmaMin / published[^1])) > 0.05)
        {
            warnings.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"ays {variant} was published for sigmas in [{published[^1]}, {published[0]}]; this noise schedule spans [{sigmaMin:G4}, {sigmaMax:G4}], so the list does not fit it and is clamped to its range"));
        }

        var sigmas = Interpolate(published, nfe + 1);
        var times = new double[solver.PointCount(nfe)];
        for (var j = 0; j < times.Length; j++)
        {
            times[j] = noise.TFromEdmSigma(sigmas[j]);
        }

        return times;
    }

    /// <summary>Log-linear interpolation of a descending sigma list onto <paramref name="count"/> equally spaced positions.</summary>
    internal static double[] Interpolate(double[] sigmas, int count)
    {
        var result = new double[count];
        var last = sigmas.Length - 1;
        for (var j = 0; j < count; j++)
        {
            var position = count == 1 ? 0 : (double)j * last / (count - 1);
            var lower = Math.Min((int)position, last - 1);
            var fraction = position - lower;
            result[j] = Math.Exp(Math.Log(sigmas[lower]) * (1 - fraction) + Math.Log(sigmas[lower + 1]) * fraction);
        }

        return result;
    }
}
