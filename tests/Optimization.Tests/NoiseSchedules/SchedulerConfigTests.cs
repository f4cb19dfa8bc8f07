using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Optimization.Tests.NoiseSchedules;

public class SchedulerConfigTests
{
    private const string DiffusersSd = """
        {
          "_class_name": "PNDMScheduler",
          "_diffusers_version": "0.6.0",
          "beta_end": 0.012,
          "beta_schedule": "scaled_linear",
          "beta_start": 0.00085,
          "num_train_timesteps": 1000,
          "set_alpha_to_one": false,
          "skip_prk_steps": true,
          "steps_offset": 1,
          "trained_betas": null,
          "clip_sample": false
        }
        """;

    [Fact]
    public void A_diffusers_stable_diffusion_config_builds_the_sd_schedule()
    {
        var noise = NoiseSchedule.FromJson(DiffusersSd);
        Assert.Equal(Noise.Sd.Hash, noise.Hash);
        Assert.Equal(1, noise.Config.StepsOffset);
        Assert.Equal("epsilon", noise.Config.PredictionType);
    }

    [Fact]
    public void Trained_betas_define_the_schedule_and_its_length()
    {
        var noise = NoiseSchedule.FromJson("""{"trained_betas": [0.1, 0.2, 0.3, 0.4]}""");
        Assert.Equal(4, noise.TrainSteps);
        Assert.Equal(0.9 * 0.8 * 0.7 * 0.6, ((VariancePreservingSchedule)noise).AlphasCumprod[3], 14);
    }

    [Fact]
    public void Unknown_beta_schedule_names_the_field_the_value_and_the_allowed_values()
    {
        var error = Assert.Throws<InvalidSchedulerConfigException>(() => NoiseSchedule.FromJson("""{"beta_schedule": "sigmoid"}"""));
        Assert.Equal("beta_schedule", error.ParamName);
        Assert.Contains("'sigmoid'", error.Message);
        Assert.Contains("scaled_linear", error.Message);
    }

    [Theory]
    [InlineData("""{"trained_betas": [0.1, NaN, 0.3]}""", "trained_betas", "[1] = NaN")]
    [InlineData("""{"trained_betas": [0.1, "NaN", 0.3]}""", "trained_betas", "[1] = NaN")]
    [InlineData("""{"trained_betas": [0.1, 1.5]}""", "trained_betas", "[1] = 1.5")]
    [InlineData("""{"trained_betas": [0.1, 0.2], "num_train_timesteps": 3}""", "trained_betas", "has 2 values")]
    [InlineData("""{"beta_start": -0.1}""", "beta_start", "-0.1")]
    [InlineData("""{"num_train_timesteps": 0}""", "num_train_timesteps", "0 is outside")]
    [InlineData("""{"num_train_timesteps": 10.5}""", "num_train_timesteps", "integer")]
    [InlineData("""{"prediction_type": "flow"}""", "prediction_type", "'flow'")]
    [InlineData("""{"timestep_spacing": "cosine"}""", "timestep_spacing", "'cosine'")]
    [InlineData("""[1, 2]""", "$", "JSON object")]
    [InlineData("""{"beta_schedule": """, "$", "not valid JSON")]
    [InlineData("""{"_class_name": "FlowMatchEulerDiscreteScheduler", "use_karras_sigmas": true}""", "use_karras_sigmas", "allowed: false")]
    [InlineData("""{"_class_name": "FlowMatchEulerDiscreteScheduler", "invert_sigmas": true}""", "invert_sigmas", "allowed: false")]
    [InlineData("""{"_class_name": "FlowMatchEulerDiscreteScheduler", "stochastic_sampling": true}""", "stochastic_sampling", "allowed: false")]
    [InlineData("""{"_class_name": "FlowMatchEulerDiscreteScheduler", "time_shift_type": "cosine"}""", "time_shift_type", "'cosine' is not one of exponential, linear")]
    [InlineData("""{"_class_name": "FlowMatchEulerDiscreteScheduler", "shift": 0}""", "shift", "> 0")]
    [InlineData("""{"_class_name": "FlowMatchEulerDiscreteScheduler", "shift_terminal": 1.5}""", "shift_terminal", "(0, 1)")]
    [InlineData("""{"_class_name": "FlowMatchEulerDiscreteScheduler", "use_dynamic_shifting": true, "base_image_seq_len": 256, "max_image_seq_len": 256}""", "max_image_seq_len", "base < max")]
    [InlineData("""{"_class_name": "DPMSolverMultistepScheduler", "use_flow_sigmas": true}""", "use_flow_sigmas", "allowed: false")]
    [InlineData("""{"_class_name": "EDMEulerScheduler", "sigma_min": 0.002}""", "_class_name", "'EDMEulerScheduler'")]
    [InlineData("""{"num_train_timesteps": 1000, "use_dynamic_shifting": true}""", "use_dynamic_shifting", "flow-matching setting")]
    [InlineData("""{"_class_name": "DDIMScheduler", "rescale_betas_zero_snr": true}""", "rescale_betas_zero_snr", "true is not supported")]
    public void Bad_configs_are_rejected_naming_the_field(string json, string field, string detail)
    {
        var error = Assert.Throws<InvalidSchedulerConfigException>(() => NoiseSchedule.FromJson(json));
        Assert.Equal(field, error.ParamName);
        Assert.Contains(detail, error.Message);
    }

    [Theory]
    [InlineData("DDIMScheduler")]
    [InlineData("EulerDiscreteScheduler")]
    [InlineData("DPMSolverMultistepScheduler")]
    [InlineData("UniPCMultistepScheduler")]
    public void Ddpm_family_configs_with_zero_snr_rescaling_off_are_read(string scheduler)
    {
        var config = SchedulerConfig.Parse($$"""{"_class_name": "{{scheduler}}", "beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012, "rescale_betas_zero_snr": false}""");
        Assert.Equal(BetaScheduleKind.ScaledLinear, config.BetaSchedule);
        Assert.Equal(0.012, config.BetaEnd);
    }

    [Fact]
    public void Unknown_preset_lists_the_presets()
    {
        var error = Assert.Throws<HsoArgumentException>(() => NoiseSchedulePresets.Get("sdxl"));
        Assert.Contains("sd, ddpm, cosine", error.Message);
    }
}
