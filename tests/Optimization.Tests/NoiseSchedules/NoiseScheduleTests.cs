using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Optimization.Tests.NoiseSchedules;

public class NoiseScheduleTests
{
    [Fact]
    public void Sd_preset_matches_known_alphas_cumprod_and_lambda()
    {
        Assert.Equal(0.0046601, Noise.Sd.AlphasCumprod[999], 7);
        Assert.Equal(-2.682024, Noise.Sd.Lambda(1.0), 6);
    }

    [Fact]
    public void Ddpm_preset_matches_known_alphas_cumprod()
    {
        Assert.Equal(4.0358e-05, Noise.Ddpm.AlphasCumprod[999], 9);
    }

    [Fact]
    public void Cosine_preset_follows_the_closed_form_alpha_bar_until_the_cap()
    {
        static double F(double t) => Math.Pow(Math.Cos((t + 0.008) / 1.008 * Math.PI / 2), 2);
        foreach (var k in new[] { 0, 10, 500, 900 })
        {
            Assert.Equal(F((k + 1) / 1000.0) / F(0), Noise.Cosine.AlphasCumprod[k], 12);
        }

        Assert.Equal(0.999, Noise.Cosine.Betas[999], 12);
    }

    [Theory]
    [InlineData("sd")]
    [InlineData("ddpm")]
    [InlineData("cosine")]
    public void Lambda_edm_sigma_and_log_alpha_round_trip_to_1e_9(string preset)
    {
        var noise = Noise.Preset(preset);
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var t = noise.TMin + random.NextDouble() * (1 - noise.TMin);
            Assert.InRange(Math.Abs(noise.TFromLambda(noise.Lambda(t)) - t), 0, 1e-9);
            Assert.InRange(Math.Abs(noise.TFromEdmSigma(noise.EdmSigma(t)) - t), 0, 1e-9);
            Assert.InRange(Math.Abs(noise.TFromLogAlpha(noise.LogAlpha(t)) - t), 0, 1e-9);
        }
    }

    [Fact]
    public void Log_alpha_is_exact_at_the_trained_steps_and_linear_between_them()
    {
        var noise = Noise.Sd;
        Assert.Equal(0.5 * Math.Log(noise.AlphasCumprod[499]), noise.LogAlpha(0.5), 14);
        var midway = 0.5 * (Math.Log(noise.AlphasCumprod[499]) + Math.Log(noise.AlphasCumprod[500])) * 0.5;
        Assert.Equal(midway, noise.LogAlpha(0.5005), 12);
        Assert.Equal(noise.LogAlpha(noise.TMin), noise.LogAlpha(0.0), 14);
    }

    [Fact]
    public void Alpha_sigma_lambda_and_edm_sigma_agree()
    {
        var noise = Noise.Ddpm;
        foreach (var t in new[] { 0.001, 0.2, 0.77, 1.0 })
        {
            var alpha = noise.Alpha(t);
            var sigma = noise.Sigma(t);
            Assert.Equal(1.0, alpha * alpha + sigma * sigma, 12);
            Assert.Equal(Math.Log(alpha / sigma), noise.Lambda(t), 10);
            Assert.Equal(sigma / alpha, noise.EdmSigma(t), 8);
        }
    }

    [Fact]
    public void Discrete_timesteps_round_half_to_even_and_clamp()
    {
        Assert.Equal(999, Noise.Sd.DiscreteTimestep(1.0));
        Assert.Equal(0, Noise.Sd.DiscreteTimestep(0.0001));
        Assert.Equal(29, Noise.Sd.DiscreteTimestep(0.03));
        Assert.Equal(1, Noise.Sd.DiscreteTimestep(0.0025)); // round(2.5) = 2 (half to even), minus 1
        Assert.Equal(959.0, Noise.Sd.ModelTime(0.96), 9);
    }

    [Fact]
    public void Schedules_with_the_same_betas_share_a_hash_and_others_do_not()
    {
        var again = NoiseSchedule.FromConfig(NoiseSchedulePresets.StableDiffusion);
        Assert.Equal(Noise.Sd.Hash, again.Hash);
        Assert.NotEqual(Noise.Sd.Hash, Noise.Ddpm.Hash);
        Assert.Equal(16, Noise.Sd.Hash.Length);
    }
}
