using System.Text.Json.Serialization;

namespace HsoService.Optimization.Schedules;

/// <summary>
/// How a sampler finishes a schedule. A schedule's last time is eps &gt; 0 (1/N for the families, 0.01 to 0.03 for
/// HSO), where a sample still holds noise of scale sigma(eps); what happens there decides whether images come out
/// clean. Measured on digits16-ddpm before choosing (docs/evaluation/final-step.md): <see cref="ToZero"/> is the default.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<FinalStep>))]
public enum FinalStep
{
    /// <summary>
    /// The last step lands on sigma = 0: the sample is the data prediction of the last evaluation (a first-order step
    /// to clean data). NFE evaluations. For DPM-Solver++ and UniPC the evaluated times are t[0..NFE-1] and t[NFE] only
    /// bounds them; this is diffusers' <c>final_sigmas_type="zero"</c> and DDIM's <c>set_alpha_to_one=True</c>.
    /// </summary>
    [JsonStringEnumMemberName("to_zero")]
    ToZero,

    /// <summary>
    /// The sample is returned at the schedule's last time, noise and all: diffusers' <c>final_sigmas_type="sigma_min"</c>
    /// when that time is 1/N. DDIM steps from its last evaluated time to t = 1/N (<c>set_alpha_to_one=False</c>).
    /// </summary>
    [JsonStringEnumMemberName("at_last_time")]
    AtLastTime,

    /// <summary>
    /// Integrate to the last time, then evaluate once more there and return that data prediction: NFE + 1 evaluations
    /// for DPM-Solver++ and UniPC (the same as <see cref="ToZero"/> for DDIM, whose last time is already evaluated).
    /// </summary>
    [JsonStringEnumMemberName("denoise")]
    Denoise,
}

/// <summary>Names of <see cref="FinalStep"/>.</summary>
public static class FinalSteps
{
    public static readonly IReadOnlyList<string> Names = ["to_zero", "at_last_time", "denoise"];

    public static string Name(this FinalStep step) => Names[(int)step];

    /// <summary>Parses a final-step name; throws naming the allowed values.</summary>
    public static FinalStep Parse(string name, string field = "final_step")
    {
        var index = Names.ToList().IndexOf(name?.Trim().ToLowerInvariant() ?? "");
        return index >= 0
            ? (FinalStep)index
            : throw new HsoArgumentException($"{field} '{name}' is not one of {string.Join(", ", Names)}", field);
    }

    /// <summary>Model evaluations a schedule of <paramref name="nfe"/> costs when finished this way.</summary>
    public static int Evaluations(this FinalStep step, SolverKind solver, int nfe) =>
        step == FinalStep.Denoise && solver != SolverKind.Ddim ? nfe + 1 : nfe;
}
