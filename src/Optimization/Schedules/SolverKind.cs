using System.Text.Json.Serialization;

namespace HsoService.Optimization.Schedules;

/// <summary>The sampler a schedule is built for; it fixes how many time points the schedule has.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SolverKind>))]
public enum SolverKind
{
    /// <summary>DDIM: NFE time points, each evaluated; the last jump goes to clean data.</summary>
    [JsonStringEnumMemberName("ddim")]
    Ddim,

    /// <summary>UniPC: NFE + 1 time points, NFE model evaluations.</summary>
    [JsonStringEnumMemberName("unipc")]
    UniPc,

    /// <summary>DPM-Solver++ 2M: NFE + 1 time points, NFE model evaluations.</summary>
    [JsonStringEnumMemberName("dpmpp2m")]
    DpmPp2M,
}

/// <summary>Names and point counts of <see cref="SolverKind"/>.</summary>
public static class Solvers
{
    /// <summary>The names accepted on the wire and the command line.</summary>
    public static readonly IReadOnlyList<string> Names = ["ddim", "unipc", "dpmpp2m"];

    /// <summary>Smallest NFE served: DDIM needs two points to make one interval.</summary>
    public const int MinNfe = 2;

    /// <summary>Largest NFE served; HSO is a few-step method and the search grows with NFE.</summary>
    public const int MaxNfe = 100;

    public static string Name(this SolverKind solver) => Names[(int)solver];

    /// <summary>
    /// Every name <see cref="Parse"/> accepts: <see cref="Names"/> and <c>euler</c>, diffusers' EulerDiscreteScheduler,
    /// whose deterministic step in sigma (epsilon or v prediction) is DDIM's update, so it is read as <c>ddim</c>.
    /// </summary>
    public static readonly IReadOnlyList<string> AcceptedNames = ["ddim", "euler", "unipc", "dpmpp2m"];

    /// <summary>Parses a solver name (<c>euler</c> reads as <c>ddim</c>); throws naming the allowed values.</summary>
    public static SolverKind Parse(string name, string field = "solver")
    {
        var normalized = name?.Trim().ToLowerInvariant() ?? "";
        var index = Names.ToList().IndexOf(normalized == "euler" ? "ddim" : normalized);
        return index >= 0
            ? (SolverKind)index
            : throw new HsoArgumentException($"{field} '{name}' is not one of {string.Join(", ", AcceptedNames)} (euler is the same update as ddim)", field);
    }

    /// <summary>Number of time points (both endpoints included) for NFE model evaluations.</summary>
    public static int PointCount(this SolverKind solver, int nfe) => solver == SolverKind.Ddim ? nfe : nfe + 1;

    /// <summary>Number of intervals N between the time points.</summary>
    public static int IntervalCount(this SolverKind solver, int nfe) => solver.PointCount(nfe) - 1;

    /// <summary>
    /// Throws naming <paramref name="field"/> unless NFE is within [<see cref="MinNfe"/>, <paramref name="limit"/>]
    /// (default <see cref="MaxNfe"/>, the optimizer's and the service's limit) and at most N_train.
    /// </summary>
    public static void ValidateNfe(int nfe, int trainSteps, string field = "nfe", int limit = MaxNfe)
    {
        var max = Math.Min(limit, trainSteps);
        if (nfe < MinNfe || nfe > max)
        {
            throw new HsoArgumentException($"{field} must be an integer in {MinNfe}..{max}, got {nfe}", field);
        }
    }
}
