using HsoService.Inference.Denoising;
using HsoService.Inference.Sampling;
using HsoService.Optimization.Families;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Tests.Sampling;

public class SamplerOrderTests
{
    private static readonly NoiseSchedule Sd = NoiseSchedule.FromConfig(NoiseSchedulePresets.StableDiffusion);

    /// <summary>RMS error at the end of a uniform-lambda schedule from t = 1 to 0.02, against the exact ODE solution.</summary>
    internal static double Error(ISampler sampler, int steps, PredictionType type = PredictionType.Epsilon, double tMax = 1.0, double eps = 0.02)
    {
        var times = ScheduleFamilies.Build(Sd, "uniform_lambda", SolverKind.UniPc, steps, new FamilyOptions { TMax = tMax, Eps = eps }).T;
        const int size = 64;
        var denoiser = new GaussianDataDenoiser(Sd, mean: 0.4, std: 0.5, batchSize: 1, sampleSize: size, type);
        var random = new Random(11);
        var x = new float[size];
        var start = new double[size];
        for (var i = 0; i < size; i++)
        {
            start[i] = 3 * (random.NextDouble() - 0.5);
            x[i] = (float)start[i];
        }

        sampler.Sample(denoiser, Sd, times, x);
        Assert.Equal(steps, denoiser.Evaluations);
        var sum = 0.0;
        for (var i = 0; i < size; i++)
        {
            var exact = denoiser.ExactSolution(start[i], times[0], times[^1]);
            sum += (x[i] - exact) * (x[i] - exact);
        }

        return Math.Sqrt(sum / size);
    }

    /// <summary>log2 of the error ratio when the steps double: the observed order of convergence.</summary>
    private static double ObservedOrder(ISampler sampler, int steps, double tMax = 1.0, double eps = 0.02) =>
        Math.Log2(Error(sampler, steps, tMax: tMax, eps: eps) / Error(sampler, 2 * steps, tMax: tMax, eps: eps));

    // Orders are measured where the error is past its pre-asymptotic wiggles and above float32's rounding floor
    // (about 1e-6 after 64 steps), which is why the step counts and ranges differ per method.
    [Fact]
    public void Ddim_converges_at_first_order() =>
        Assert.InRange(ObservedOrder(new DdimSampler(), 16), 0.85, 1.2);

    [Fact]
    public void Dpm_solver_plus_plus_2m_converges_at_second_order() =>
        Assert.InRange(ObservedOrder(new DpmSolverPlusPlus2MSampler(lowerOrderFinal: false), 32), 1.7, 2.4);

    [Fact]
    public void UniP_2_without_corrector_is_dpm_solver_plus_plus_2m()
    {
        var unip = Error(new UniPcSampler(2, UniPcVariant.Bh2, lowerOrderFinal: false, corrector: false), 12);
        var dpm = Error(new DpmSolverPlusPlus2MSampler(lowerOrderFinal: false), 12);
        Assert.Equal(dpm, unip, 6);
    }

    [Fact]
    public void UniP_3_without_corrector_converges_at_third_order() =>
        Assert.InRange(ObservedOrder(new UniPcSampler(3, UniPcVariant.Bh2, lowerOrderFinal: false, corrector: false), 16), 2.7, 3.8);

    // The corrector UniC-p raises the order of UniP-p by one (Zhao et al. 2023, Theorem 3.1).
    [Theory]
    [InlineData(UniPcVariant.Bh1)]
    [InlineData(UniPcVariant.Bh2)]
    public void UniPc_2_with_corrector_converges_at_third_order(UniPcVariant variant) =>
        Assert.InRange(ObservedOrder(new UniPcSampler(2, variant, lowerOrderFinal: false), 32), 2.7, 3.4);

    [Theory]
    [InlineData(UniPcVariant.Bh1)]
    [InlineData(UniPcVariant.Bh2)]
    public void UniPc_3_with_corrector_converges_at_fourth_order(UniPcVariant variant) =>
        Assert.InRange(ObservedOrder(new UniPcSampler(3, variant, lowerOrderFinal: false), 32, tMax: 0.9, eps: 0.1), 3.4, 4.6);

    [Fact]
    public void Higher_order_solvers_are_more_accurate_at_few_steps()
    {
        var ddim = Error(new DdimSampler(), 8);
        var dpm = Error(new DpmSolverPlusPlus2MSampler(), 8);
        var unipc = Error(new UniPcSampler(), 8);
        Assert.True(dpm < ddim, $"dpm++ {dpm} vs ddim {ddim}");
        Assert.True(unipc < dpm, $"unipc {unipc} vs dpm++ {dpm}");
    }

    [Theory]
    [InlineData(PredictionType.VPrediction)]
    [InlineData(PredictionType.Sample)]
    public void Every_prediction_type_integrates_the_same_ode(PredictionType type)
    {
        var epsilon = Error(new UniPcSampler(), 10);
        Assert.Equal(epsilon, Error(new UniPcSampler(), 10, type), 4);
    }
}

public class SamplerAllocationTests
{
    private static readonly NoiseSchedule Sd = NoiseSchedule.FromConfig(NoiseSchedulePresets.StableDiffusion);

    private static long AllocatedBytes(ISampler sampler, int steps)
    {
        var times = ScheduleFamilies.Build(Sd, "uniform_lambda", SolverKind.UniPc, steps).T;
        var denoiser = new GaussianDataDenoiser(Sd, 0.0, 1.0, 1, 4096);
        var x = new float[4096];
        sampler.Sample(denoiser, Sd, times, x); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        sampler.Sample(denoiser, Sd, times, x);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [InlineData(SolverKind.Ddim)]
    [InlineData(SolverKind.DpmPp2M)]
    [InlineData(SolverKind.UniPc)]
    public void The_step_loop_allocates_nothing_per_step(SolverKind solver)
    {
        // Buffers are made once per call, so 40 steps allocate what 10 steps do.
        var sampler = Samplers.For(solver);
        Assert.Equal(AllocatedBytes(sampler, 10), AllocatedBytes(sampler, 40));
    }
}
