using System.Globalization;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Objective;

namespace HsoService.Optimization.Schedules;

/// <summary>
/// Turns descending continuous times into a full <see cref="Schedule"/>: discrete timesteps, model times, sigmas,
/// lambdas, MEP, spacing penalty and fitness, with a warning for every pair of points that round to one trained step.
/// </summary>
public static class ScheduleBuilder
{
    /// <summary>Builds a schedule; throws naming <c>t</c> when the times are not a valid schedule for the solver.</summary>
    public static Schedule Build(
        NoiseSchedule noise,
        SolverKind solver,
        int nfe,
        IReadOnlyList<double> times,
        ScheduleMode mode,
        ScheduleParameters? parameters = null,
        string? family = null,
        double p = MidpointErrorProxy.DefaultP,
        IEnumerable<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(times);
        Solvers.ValidateNfe(nfe, noise.TrainSteps, limit: noise.TrainSteps);
        Validate(noise, solver, nfe, times);

        var count = times.Count;
        var t = times.ToArray();
        // A flow's t = 1 has lambda = -infinity and an infinite MEP; both are reported at the largest finite time.
        var lambdas = t.Select(noise.FiniteLambda).ToArray();
        var timesteps = t.Select(noise.DiscreteTimestep).ToArray();
        var mep = MidpointErrorProxy.Value(lambdas, noise.Form, p);
        var penalty = SpacingPenalty.Value(t, nfe);
        var notes = new List<string>(warnings ?? []);
        for (var i = 0; i + 1 < count; i++)
        {
            if (timesteps[i] == timesteps[i + 1])
            {
                notes.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"t[{i}] = {t[i]:G6} and t[{i + 1}] = {t[i + 1]:G6} both round to trained timestep {timesteps[i]}; a discrete-timestep sampler would evaluate it twice"));
            }
        }

        return new Schedule
        {
            Mode = mode,
            Family = family,
            Solver = solver,
            Nfe = nfe,
            T = t,
            Timesteps = timesteps,
            ModelTimes = t.Select(noise.ModelTime).ToArray(),
            Sigmas = t.Select(noise.SchedulerSigma).ToArray(),
            Lambdas = lambdas,
            Mep = mep,
            Penalty = penalty,
            Fitness = mep + penalty,
            Params = parameters ?? new ScheduleParameters(null, t[^1], t[0]),
            NoiseScheduleHash = noise.Hash,
            ElapsedMs = 0,
            Warnings = notes,
        };
    }

    /// <summary>Throws unless the times are finite, within [1/N, 1], non-increasing and as many as the solver needs.</summary>
    public static void Validate(NoiseSchedule noise, SolverKind solver, int nfe, IReadOnlyList<double> times, string field = "t")
    {
        var expected = solver.PointCount(nfe);
        if (times.Count != expected)
        {
            throw new HsoArgumentException($"{field} has {times.Count} values; {solver.Name()} at nfe {nfe} needs {expected}", field);
        }

        for (var i = 0; i < times.Count; i++)
        {
            var value = times[i];
            if (!double.IsFinite(value) || value < noise.TMin - 1e-12 || value > 1 + 1e-12)
            {
                throw new HsoArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"{field}[{i}] = {value} is outside [{noise.TMin}, 1]"), field);
            }

            if (i > 0 && value > times[i - 1])
            {
                throw new HsoArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"{field} must descend: {field}[{i}] = {value} > {field}[{i - 1}] = {times[i - 1]}"), field);
            }
        }
    }
}
