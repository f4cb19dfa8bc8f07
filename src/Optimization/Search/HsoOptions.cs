using System.Globalization;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Objective;
using HsoService.Optimization.Schedules;

namespace HsoService.Optimization.Search;

/// <summary>
/// What the caller may set for one HSO search. The defaults are the paper's (HSO-SPEC sections 2 to 4):
/// rho in [3, 16], eps in [0.01, 0.03], T_max in [0.96, 1], p = 2, population 20 per parameter, 60 generations,
/// tolerance 0.01, seed 66.
/// </summary>
public sealed record HsoOptions
{
    public ScheduleMode Mode { get; init; } = ScheduleMode.Robust;
    public SolverKind Solver { get; init; } = SolverKind.UniPc;
    public int Nfe { get; init; } = 5;
    /// <summary>The seed every default search uses (HSO-SPEC's reference runs), the one cached schedules are keyed without.</summary>
    public const int DefaultSeed = 66;

    public int Seed { get; init; } = DefaultSeed;
    public Bounds Rho { get; init; } = new(3, 16);
    public Bounds Eps { get; init; } = new(0.01, 0.03);
    public Bounds TMax { get; init; } = new(0.96, 1.0);
    public double P { get; init; } = MidpointErrorProxy.DefaultP;

    /// <summary>Population size per search parameter, as scipy's <c>popsize</c> (3 parameters x 20 = 60 members).</summary>
    public int PopulationSize { get; init; } = 20;

    /// <summary>Most generations of differential evolution.</summary>
    public int MaxIterations { get; init; } = 60;

    /// <summary>Relative convergence tolerance: stop when std(fitness) &lt;= tol * |mean(fitness)|.</summary>
    public double Tolerance { get; init; } = 0.01;

    /// <summary>Refine the best member locally after the evolution, as scipy's <c>polish</c> does.</summary>
    public bool Polish { get; init; } = true;

    /// <summary>True when any option differs from the paper's defaults other than mode, solver and NFE.</summary>
    public bool HasNonDefaultSearchOptions
    {
        get
        {
            var defaults = new HsoOptions();
            return this with { Mode = defaults.Mode, Solver = defaults.Solver, Nfe = defaults.Nfe } != defaults;
        }
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first bad option.</summary>
    public void Validate(NoiseSchedule noise)
    {
        ArgumentNullException.ThrowIfNull(noise);
        if (Mode is not (ScheduleMode.Paper or ScheduleMode.Robust))
        {
            throw new HsoArgumentException($"mode '{Mode.Name()}' is not one of {string.Join(", ", ScheduleModes.OptimizerNames)}", "mode");
        }

        Solvers.ValidateNfe(Nfe, noise.TrainSteps);
        Rho.Validate("rho");
        Eps.Validate("eps");
        TMax.Validate("t_max");
        if (Rho.Lower <= 0)
        {
            throw new HsoArgumentException(Invariant($"rho bounds {Rho} must be positive"), "rho");
        }

        if (Eps.Lower < noise.TMin || TMax.Upper > 1)
        {
            throw new HsoArgumentException(Invariant($"eps {Eps} and t_max {TMax} must lie within the schedule's time range [{noise.TMin}, 1]"), Eps.Lower < noise.TMin ? "eps" : "t_max");
        }

        if (Eps.Upper >= TMax.Lower)
        {
            throw new HsoArgumentException(Invariant($"eps must stay below t_max: eps upper bound {Eps.Upper} >= t_max lower bound {TMax.Lower}"), "eps");
        }

        if (!double.IsFinite(P) || P <= 0 || P > 10)
        {
            throw new HsoArgumentException(Invariant($"p must be in (0, 10], got {P}"), "p");
        }

        if (PopulationSize is < 2 or > 1000)
        {
            throw new HsoArgumentException(Invariant($"population_size must be in 2..1000, got {PopulationSize}"), "population_size");
        }

        if (MaxIterations is < 0 or > 10_000)
        {
            throw new HsoArgumentException(Invariant($"max_iterations must be in 0..10000, got {MaxIterations}"), "max_iterations");
        }

        if (!double.IsFinite(Tolerance) || Tolerance < 0)
        {
            throw new HsoArgumentException(Invariant($"tolerance must be a finite number >= 0, got {Tolerance}"), "tolerance");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
