using HsoService.Optimization.Families;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Objective;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Search;

namespace HsoService.Optimization.Tests.NoiseSchedules;

public class RectifiedFlowScheduleTests
{
    private const string Sd3Config = """{"_class_name": "FlowMatchEulerDiscreteScheduler", "num_train_timesteps": 1000, "shift": 3.0}""";

    private const string FluxConfig = """
        {"_class_name": "FlowMatchEulerDiscreteScheduler", "num_train_timesteps": 1000, "shift": 3.0, "use_dynamic_shifting": true,
         "base_shift": 0.5, "max_shift": 1.15, "base_image_seq_len": 256, "max_image_seq_len": 4096}
        """;

    [Fact]
    public void A_flow_match_config_is_a_rectified_flow_with_its_shift_settings()
    {
        var noise = Assert.IsType<RectifiedFlowSchedule>(NoiseSchedule.FromJson(Sd3Config));
        Assert.Equal(3.0, noise.Settings.Shift);
        Assert.False(noise.Settings.UseDynamicShifting);
        Assert.Equal(SchedulerConfig.FlowPrediction, noise.Config.PredictionType);
        Assert.True(noise.IsFlow);
        var flux = Assert.IsType<RectifiedFlowSchedule>(NoiseSchedule.FromJson(FluxConfig));
        Assert.True(flux.Settings.UseDynamicShifting);
        Assert.Equal(TimeShiftType.Exponential, flux.Settings.TimeShiftType);
        // The shift chooses sigmas, not the process: both flows of 1000 steps are one noise schedule.
        Assert.Equal(noise.Hash, flux.Hash);
        Assert.NotEqual(Noise.Sd.Hash, noise.Hash);
    }

    [Fact]
    public void Alpha_sigma_and_lambda_are_the_flows()
    {
        var noise = Noise.Flow;
        foreach (var s in new[] { 0.001, 0.1, 0.5, 0.9, 0.999 })
        {
            Assert.Equal(1 - s, noise.Alpha(s), 15);
            Assert.Equal(s, noise.Sigma(s), 15);
            Assert.Equal(Math.Log((1 - s) / s), noise.Lambda(s), 12);
            Assert.Equal(s / (1 - s), noise.EdmSigma(s), 9);
            Assert.Equal(s, noise.TFromLambda(noise.Lambda(s)), 12);
            Assert.Equal(s, noise.TFromEdmSigma(noise.EdmSigma(s)), 12);
            Assert.Equal(1000 * s, noise.ModelTime(s), 9);
            Assert.Equal(s, noise.SchedulerSigma(s), 15);
        }

        // Pure noise at s = 1: alpha = 0 and lambda = -infinity, which MEP and lambda spacing read at 1 - 1/N.
        Assert.Equal(0, noise.Alpha(1));
        Assert.Equal(double.NegativeInfinity, noise.Lambda(1));
        Assert.Equal(noise.Lambda(0.999), noise.FiniteLambda(1), 12);
        Assert.Equal(1.0, noise.TFromLambda(double.NegativeInfinity));
    }

    [Fact]
    public void Lambda_derivatives_match_central_differences()
    {
        var noise = Noise.Flow;
        const double h = 1e-6;
        foreach (var s in new[] { 0.02, 0.3, 0.5, 0.77, 0.98 })
        {
            noise.Lambda(s, out var slope, out var curvature);
            Assert.Equal((noise.Lambda(s + h) - noise.Lambda(s - h)) / (2 * h), slope, 4);
            noise.Lambda(s + h, out var slopePlus);
            noise.Lambda(s - h, out var slopeMinus);
            Assert.Equal((slopePlus - slopeMinus) / (2 * h), curvature, 2);
        }
    }

    // diffusers' own FlowMatchEulerDiscreteScheduler, as ../shared/models/tiny-sd3/reference.json and tiny-flux's record it
    // (float32 there, so agreement is to float32 rounding).
    [Theory]
    [InlineData(4, new[] { 1.0, 0.857692301273346, 0.602150559425354, 0.008928571827709675 })]
    [InlineData(6, new[] { 1.0, 0.9233425259590149, 0.8189233541488647, 0.6683266758918762, 0.4322250783443451, 0.008928571827709675 })]
    public void The_sd3_default_is_diffusers_set_timesteps_with_its_end_point_shifted_twice(int nfe, double[] expected)
    {
        var schedule = ScheduleFamilies.Build(Noise.Flow, "default", SolverKind.Ddim, nfe);
        Assert.Equal(expected.Length, schedule.T.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], schedule.T[i], 6);
        }

        Assert.Equal(schedule.T, ScheduleFamilies.Build(Noise.Flow, "flow_shift:3", SolverKind.Ddim, nfe).T);
        Assert.Equal(schedule.T, schedule.Sigmas);
    }

    [Theory]
    [InlineData(4, 64, 0.46749999999999997, new[] { 1.0, 0.8272286653518677, 0.6147918701171875, 0.34725838899612427 })]
    [InlineData(6, 16, 0.459375, new[] { 1.0, 0.8878347873687744, 0.7599713206291199, 0.6128659248352051, 0.4418216645717621, 0.24047759175300598 })]
    public void The_flux_default_is_linspace_shifted_by_the_resolutions_mu(int nfe, int imageSeqLen, double mu, double[] expected)
    {
        var noise = (RectifiedFlowSchedule)NoiseSchedule.FromJson(FluxConfig);
        Assert.Equal(mu, FlowTimeShift.Mu(noise.Settings, imageSeqLen), 12);
        var options = new FamilyOptions { ImageSeqLen = imageSeqLen, PipelineLinspace = true };
        var schedule = ScheduleFamilies.Build(noise, "default", SolverKind.UniPc, nfe, options);
        Assert.Equal(nfe + 1, schedule.T.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], schedule.T[i], 6);
        }

        var error = Assert.Throws<HsoArgumentException>(() => ScheduleFamilies.Build(noise, "default", SolverKind.UniPc, nfe));
        Assert.Equal("width", error.ParamName);
    }

    [Theory]
    [InlineData(false, 3.0, TimeShiftType.Exponential)]
    [InlineData(true, 0.8, TimeShiftType.Exponential)]
    [InlineData(true, 1.7, TimeShiftType.Linear)]
    public void Every_shift_inverts(bool dynamic, double value, TimeShiftType type)
    {
        var settings = new FlowMatchSettings { Shift = value, UseDynamicShifting = dynamic, TimeShiftType = type };
        double? mu = dynamic ? value : null;
        foreach (var s in new[] { 0.0, 0.003, 0.2, 0.5, 0.91, 1.0 })
        {
            Assert.Equal(s, FlowTimeShift.Invert(settings, FlowTimeShift.Apply(settings, s, mu), mu), 12);
        }
    }

    [Fact]
    public void Shift_terminal_stretches_the_last_sigma_onto_it()
    {
        var settings = new FlowMatchSettings { Shift = 3.0, ShiftTerminal = 0.1 };
        var sigmas = FlowTimeShift.DefaultSigmas(settings, 1000, 5);
        Assert.Equal(0.1, sigmas[^1], 12);
        Assert.Equal(1.0, sigmas[0], 12);
    }

    [Fact]
    public void Families_that_space_in_lambda_stop_below_pure_noise_and_ays_is_refused()
    {
        var lambda = ScheduleFamilies.Build(Noise.Flow, "uniform_lambda", SolverKind.UniPc, 6);
        Assert.Equal(0.999, lambda.T[0], 12);
        Assert.All(lambda.Lambdas, l => Assert.True(double.IsFinite(l)));
        var edm = ScheduleFamilies.Build(Noise.Flow, "edm", SolverKind.DpmPp2M, 6);
        Assert.Equal(0.999, edm.T[0], 12);
        var uniform = ScheduleFamilies.Build(Noise.Flow, "uniform_t", SolverKind.Ddim, 4);
        Assert.Equal([1.0, 0.75, 0.5, 0.25], uniform.T);
        Assert.True(double.IsFinite(uniform.Mep));
        var error = Assert.Throws<HsoArgumentException>(() => ScheduleFamilies.Build(Noise.Flow, "ays", SolverKind.UniPc, 6));
        Assert.Contains("DDPM", error.Message);
        Assert.Throws<HsoArgumentException>(() => ScheduleFamilies.Build(Noise.Sd, "flow_shift:3", SolverKind.UniPc, 6));
    }

    [Fact]
    public void The_default_of_a_ddpm_model_is_its_configs_timestep_spacing()
    {
        var sd = ScheduleFamilies.Build(Noise.Sd, "default", SolverKind.DpmPp2M, 6);
        Assert.Equal(ScheduleFamilies.Build(Noise.Sd, "uniform_t:leading", SolverKind.DpmPp2M, 6).T, sd.T);
    }

    [Fact]
    public void Hso_searches_a_flow_in_the_flows_own_mep()
    {
        var hso = HsoOptimizer.Optimize(Noise.Flow, new HsoOptions { Solver = SolverKind.UniPc, Nfe = 5 });
        // T_max's upper bound 1 is cut to 1 - 1/N: the MEP diverges at pure noise.
        Assert.InRange(hso.T[0], 0.96, 0.999);
        Assert.InRange(hso.T[^1], 0.01, 0.03);
        Assert.Equal(0, hso.Penalty);
        Assert.True(double.IsFinite(hso.Fitness));

        // Any EDM start inside the search's bounds, refined or not, scores no better than the search's best.
        var edm = ScheduleFamilies.Build(Noise.Flow, "edm:7", SolverKind.UniPc, 5, new FamilyOptions { TMax = 0.98, Eps = 0.02 });
        Assert.True(hso.Fitness <= edm.Fitness * (1 + 1e-6), $"hso {hso.Fitness} vs edm:7 {edm.Fitness}");

        // The VP closed form on the same lambdas scores a different objective: the flow's MEP is not the VP one.
        var lambdas = hso.T.Select(Noise.Flow.FiniteLambda).Reverse().ToArray();
        Assert.NotEqual(
            MidpointErrorProxy.Value(lambdas, LambdaForm.VariancePreserving),
            MidpointErrorProxy.Value(lambdas, LambdaForm.RectifiedFlow),
            3);
    }
}
