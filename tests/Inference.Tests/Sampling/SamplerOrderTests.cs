using HsoService.Inference.Denoising;
using HsoService.Inference.Sampling;
using HsoService.Optimization.Families;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Tests.Sampling;

public class SamplerOrderTests
{
    private static readonly NoiseSchedule Sd = NoiseSchedule.FromConfig(NoiseSchedulePresets.StableDiffusion);

    private static readonly NoiseSchedule Flow = NoiseSchedule.FromJson("""{"_class_name": "FlowMatchEulerDiscreteScheduler", "shift": 3.0}""");

    /// <summary>RMS error at the end of a uniform-lambda schedule from t = 1 to 0.02, against the exact ODE solution.</summary>
    internal static double Error(ISampler sampler, int steps, PredictionType type = PredictionType.Epsilon, double tMax = 1.0, double eps = 0.02) =>
        Error(sampler, Sd, ScheduleFamilies.Build(Sd, "uniform_lambda", SolverKind.UniPc, steps, new FamilyOptions { TMax = tMax, Eps = eps }).T, type);

    /// <summary>RMS error after sampling <paramref name="times"/> on <paramref name="noise"/>, against the exact ODE solution.</summary>
    private static double Error(ISampler sampler, NoiseSchedule noise, IReadOnlyList<double> times, PredictionType type)
    {
        var steps = times.Count - 1;
        const int size = 64;
        var denoiser = new GaussianDataDenoiser(noise, mean: 0.4, std: 0.5, batchSize: 1, sampleSize: size, type);
        var random = new Random(11);
        var x = new float[size];
        var start = new double[size];
        for (var i = 0; i < size; i++)
        {
            start[i] = 3 * (random.NextDouble() - 0.5);
            x[i] = (float)start[i];
        }

        sampler.Sample(denoiser, noise, times, x);
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

    private static double FlowError(ISampler sampler, int steps, double start)
    {
        // Equal steps in the flow sigma from start to 0.05: the velocity network, converted at the boundary.
        var times = Enumerable.Range(0, steps + 1).Select(i => start + (0.05 - start) * i / steps).ToArray();
        return Error(sampler, Flow, times, PredictionType.FlowVelocity);
    }

    private static double FlowOrder(ISampler sampler, int steps, double start) =>
        Math.Log2(FlowError(sampler, steps, start) / FlowError(sampler, 2 * steps, start));

    // The solvers are written in alpha, sigma and lambda, so on a rectified flow (alpha + sigma = 1) they keep their
    // orders unchanged; from s = 1 (pure noise, lambda = -infinity) the first step is first order by construction, and
    // the order of the whole run is still the method's (one first-order step costs O(h^2) locally).
    [Theory]
    [InlineData(0.95)]
    [InlineData(1.0)]
    public void On_a_flow_the_solvers_keep_their_orders(double start)
    {
        Assert.InRange(FlowOrder(new DdimSampler(), 16, start), 0.85, 1.2);
        Assert.InRange(FlowOrder(new DpmSolverPlusPlus2MSampler(lowerOrderFinal: false), 32, start), 1.7, 2.4);
        Assert.InRange(FlowOrder(new UniPcSampler(2, UniPcVariant.Bh2, lowerOrderFinal: false), 32, start), 2.7, 3.5);
    }

    [Fact]
    public void Euler_on_a_flow_is_ddim()
    {
        // FlowMatchEulerDiscreteScheduler's step x + (s_next - s) v is DDIM's x = alpha_next x0 + sigma_next eps.
        var times = new[] { 1.0, 0.858, 0.602, 0.009 };
        var denoiser = new GaussianDataDenoiser(Flow, mean: 0.4, std: 0.5, batchSize: 1, sampleSize: 1, PredictionType.FlowVelocity);
        float[] x = [1.3f];
        var euler = 1.3;
        var data = new float[1];
        var noise = new float[1];
        for (var i = 0; i < times.Length; i++)
        {
            denoiser.Predict([(float)euler], times[i], data, noise);
            var velocity = noise[0] - data[0];
            euler += ((i + 1 < times.Length ? times[i + 1] : 0) - times[i]) * velocity;
        }

        new DdimSampler().Sample(denoiser, Flow, [.. times, 0.0], x);
        Assert.Equal(euler, x[0], 5);
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
