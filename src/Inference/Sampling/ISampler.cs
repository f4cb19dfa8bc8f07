using HsoService.Inference.Denoising;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Sampling;

/// <summary>
/// An ODE solver of the probability flow over an arbitrary schedule: starting from x at times[0], it evaluates the
/// denoiser at times[0..^1] (one evaluation each) and leaves in x the solution at times[^1]. Times descend. A last
/// time of exactly 0 means sigma = 0: the last step is first order and leaves the data prediction of the last
/// evaluation (<see cref="FinalStep.ToZero"/>). Buffers are allocated once per call; the step loop allocates nothing.
/// </summary>
public interface ISampler
{
    /// <summary>The solver this sampler implements.</summary>
    SolverKind Solver { get; }

    /// <summary>Integrates in place. <paramref name="onStep"/> is called after each model evaluation with its index.</summary>
    void Sample(IDenoiser denoiser, NoiseSchedule noise, IReadOnlyList<double> times, float[] x, Action<int>? onStep = null, CancellationToken cancellationToken = default);
}
