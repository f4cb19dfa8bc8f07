using HsoService.Inference.Denoising;
using HsoService.Inference.Pipelines;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Tests.Sampling;

/// <summary>
/// What a client hands diffusers (a schedule's <c>diffusers</c> terms) is what our sampler does: the network is
/// evaluated at exactly those timesteps, in that order, and the sigmas are diffusers' own sigmas at them (from the
/// trained alphas_cumprod) followed by where the last step ends.
/// </summary>
public class DiffusersScheduleTests
{
    private static readonly NoiseSchedule Sd = NoiseSchedule.FromJson("""{"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012, "num_train_timesteps": 1000}""");

    /// <summary>Records the times the sampler evaluates the network at; predicts zero noise.</summary>
    private sealed class RecordingDenoiser : IDenoiser
    {
        public List<double> Times { get; } = [];

        public int BatchSize => 1;

        public int SampleSize => 4;

        public bool DiscreteTime => true;

        // Zero noise: the data prediction is the state itself (x / alpha, alpha taken as 1 here).
        public void Predict(ReadOnlySpan<float> x, double t, Span<float> data, Span<float> noise)
        {
            Times.Add(t);
            x.CopyTo(data);
            noise.Clear();
        }
    }

    /// <summary>diffusers' sigma at trained step k: sqrt((1 - alpha_bar_k) / alpha_bar_k), alpha_bar from the betas directly.</summary>
    private static double DiffusersSigma(int k)
    {
        var alphaBar = 1.0;
        for (var i = 0; i <= k; i++)
        {
            var root = Math.Sqrt(0.00085) + ((Math.Sqrt(0.012) - Math.Sqrt(0.00085)) * i / 999.0);
            alphaBar *= 1 - (root * root);
        }

        return Math.Sqrt((1 - alphaBar) / alphaBar);
    }

    [Theory]
    [InlineData(SolverKind.Ddim, "hso-robust", FinalStep.ToZero, 6)]
    [InlineData(SolverKind.Ddim, "ays", FinalStep.AtLastTime, 5)]
    [InlineData(SolverKind.DpmPp2M, "hso-robust", FinalStep.ToZero, 6)]
    [InlineData(SolverKind.DpmPp2M, "uniform_lambda", FinalStep.ToZero, 8)]
    [InlineData(SolverKind.DpmPp2M, "uniform_t", FinalStep.AtLastTime, 5)]
    [InlineData(SolverKind.DpmPp2M, "edm", FinalStep.Denoise, 5)]
    [InlineData(SolverKind.UniPc, "hso-paper", FinalStep.ToZero, 5)]
    [InlineData(SolverKind.UniPc, "uniform_lambda", FinalStep.ToZero, 10)]
    public void The_timesteps_and_sigmas_a_client_passes_to_diffusers_are_those_the_sampler_runs(SolverKind solver, string name, FinalStep finalStep, int nfe)
    {
        var schedule = NamedSchedules.Build(Sd, name, solver, nfe) with { FinalStep = finalStep };
        var diffusers = DiffusersSchedule.For(schedule, Sd, discreteTime: true)!;

        var denoiser = new RecordingDenoiser();
        SamplingRun.Run(solver, denoiser, Sd, schedule.T, new float[4], finalStep: finalStep);

        // One timestep per evaluation, the same ones in the same order.
        Assert.Equal(denoiser.Times.Select(Sd.DiscreteTimestep), diffusers.Timesteps);
        Assert.Equal(finalStep == FinalStep.Denoise ? nfe + 1 : nfe, diffusers.Timesteps.Count);
        Assert.Equal(diffusers.Timesteps.Count + 1, diffusers.Sigmas.Count);
        // diffusers derives each sigma from its timestep; ours equal those to float32 precision of its table.
        for (var i = 0; i < diffusers.Timesteps.Count; i++)
        {
            Assert.Equal(DiffusersSigma(diffusers.Timesteps[i]), diffusers.Sigmas[i], DiffusersSigma(diffusers.Timesteps[i]) * 1e-9);
            Assert.Equal(Sd.Sigma(denoiser.Times[i]) / Sd.Alpha(denoiser.Times[i]), diffusers.Sigmas[i], 1e-12);
        }

        // The last step ends at sigma 0, or, left at the last time, at trained step 0 (diffusers' sigma_min).
        Assert.Equal(finalStep == FinalStep.AtLastTime ? DiffusersSigma(0) : 0, diffusers.Sigmas[^1], 1e-9);
        Assert.Equal(finalStep == FinalStep.AtLastTime ? (solver == SolverKind.Ddim || Sd.DiscreteTimestep(schedule.T[^1]) == 0 ? "sigma_min" : null) : "zero", diffusers.FinalSigmasType);
        Assert.Equal(solver switch { SolverKind.DpmPp2M => "DPMSolverMultistepScheduler", SolverKind.Ddim => "EulerDiscreteScheduler", _ => null }, diffusers.Scheduler);
    }

    [Theory]
    [InlineData(SolverKind.Ddim)]
    [InlineData(SolverKind.DpmPp2M)]
    [InlineData(SolverKind.UniPc)]
    public void For_a_continuous_time_network_the_sigmas_are_exact_and_the_timesteps_the_nearest_trained_steps(SolverKind solver)
    {
        var schedule = NamedSchedules.Build(Sd, "hso-robust", solver, 6);
        var diffusers = DiffusersSchedule.For(schedule, Sd, discreteTime: false)!;
        var path = IntegrationPath.Times(solver, Sd, schedule.T, FinalStep.ToZero);

        Assert.Equal(path[..^1].Select(t => Sd.Sigma(t) / Sd.Alpha(t)).Append(0.0), diffusers.Sigmas);
        Assert.Equal(path[..^1].Select(Sd.DiscreteTimestep), diffusers.Timesteps);
    }
}
