using HsoService.Optimization.Families;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Optimization.Tests.Families;

public class ScheduleFamiliesTests
{
    // diffusers' DDIMScheduler spaces the NFE evaluated timesteps; DPMSolverMultistep and UniPCMultistep space NFE + 1
    // and drop the last (tests/fixtures/diffusers-reference.json holds both, checked in Inference.Tests).
    [Theory]
    [InlineData("uniform_t:trailing", new[] { 999, 799, 599, 399, 199 }, new[] { 999, 799, 599, 399, 199 })]
    [InlineData("uniform_t", new[] { 999, 799, 599, 399, 199 }, new[] { 999, 799, 599, 399, 199 })]
    [InlineData("uniform_t:leading", new[] { 801, 601, 401, 201, 1 }, new[] { 831, 665, 499, 333, 167 })] // sd preset: steps_offset 1
    [InlineData("uniform_t:linspace", new[] { 999, 749, 500, 250, 0 }, new[] { 999, 799, 599, 400, 200 })]
    public void Uniform_t_gives_diffusers_timesteps_per_solver(string family, int[] ddimSteps, int[] multistepSteps)
    {
        var ddim = ScheduleFamilies.Build(Noise.Sd, family, SolverKind.Ddim, 5);
        Assert.Equal(ddimSteps, ddim.Timesteps);

        foreach (var solver in new[] { SolverKind.UniPc, SolverKind.DpmPp2M })
        {
            var multistep = ScheduleFamilies.Build(Noise.Sd, family, solver, 5);
            Assert.Equal(multistepSteps.Append(0), multistep.Timesteps);
            Assert.Equal(Noise.Sd.TMin, multistep.T[^1]);
        }
    }

    [Fact]
    public void Leading_spacing_takes_the_configs_steps_offset()
    {
        var noise = NoiseSchedule.FromJson("""{"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012, "steps_offset": 0}""");
        Assert.Equal([800, 600, 400, 200, 0], ScheduleFamilies.Build(noise, "uniform_t:leading", SolverKind.Ddim, 5).Timesteps);
    }

    [Fact]
    public void Rounding_two_points_to_one_timestep_is_reported()
    {
        var schedule = ScheduleBuilder.Build(Noise.Sd, SolverKind.UniPc, 2, [1.0, 0.0012, 0.001], ScheduleMode.Explicit);
        var warning = Assert.Single(schedule.Warnings);
        Assert.Contains("t[1]", warning);
        Assert.Contains("t[2]", warning);
        Assert.Contains("timestep 0", warning);

        // linspace for the multistep solvers no longer ends with a zero-length step (..., 0, 0), as diffusers' does not.
        Assert.Empty(ScheduleFamilies.Build(Noise.Sd, "uniform_t:linspace", SolverKind.UniPc, 5).Warnings);
        Assert.Empty(ScheduleFamilies.Build(Noise.Sd, "uniform_t:trailing", SolverKind.UniPc, 5).Warnings);
    }

    [Fact]
    public void Uniform_lambda_has_equal_steps_in_lambda_over_the_whole_range()
    {
        var schedule = ScheduleFamilies.Build(Noise.Ddpm, "uniform_lambda", SolverKind.DpmPp2M, 6);
        var step = schedule.Lambdas[1] - schedule.Lambdas[0];
        for (var i = 1; i < schedule.Lambdas.Count; i++)
        {
            Assert.Equal(step, schedule.Lambdas[i] - schedule.Lambdas[i - 1], 8);
        }

        Assert.Equal(1.0, schedule.T[0]);
        Assert.Equal(0.001, schedule.T[^1]);
    }

    [Fact]
    public void Edm_is_linear_in_sigma_to_the_one_over_rho_with_the_rho_of_the_variant()
    {
        var schedule = ScheduleFamilies.Build(Noise.Sd, "edm:5", SolverKind.UniPc, 6);
        var roots = schedule.Sigmas.Select(s => Math.Pow(s, 1 / 5.0)).ToArray();
        for (var i = 1; i + 1 < roots.Length; i++)
        {
            Assert.Equal(roots[i] - roots[i - 1], roots[i + 1] - roots[i], 8);
        }

        Assert.Equal(5.0, schedule.Params.Rho);
        Assert.Equal("edm:5", schedule.Family);
        Assert.Equal(7.0, ScheduleFamilies.Build(Noise.Sd, "edm", SolverKind.UniPc, 6).Params.Rho);
    }

    [Fact]
    public void Quadratic_t_is_linear_in_the_square_root_of_t_between_the_given_ends()
    {
        var options = new FamilyOptions { TMax = 0.99, Eps = 0.02 };
        var schedule = ScheduleFamilies.Build(Noise.Sd, "quadratic_t", SolverKind.Ddim, 5, options);
        var roots = schedule.T.Select(Math.Sqrt).ToArray();
        for (var i = 1; i + 1 < roots.Length; i++)
        {
            Assert.Equal(roots[i] - roots[i - 1], roots[i + 1] - roots[i], 12);
        }

        Assert.Equal(0.99, schedule.T[0]);
        Assert.Equal(0.02, schedule.T[^1]);
    }

    [Theory]
    [InlineData("ays", new[] { 14.615, 6.475, 3.861, 2.697, 1.886, 1.396, 0.963, 0.652, 0.399, 0.152, 0.029 })]
    [InlineData("ays:sdxl", new[] { 14.615, 6.315, 3.771, 2.181, 1.342, 0.862, 0.555, 0.380, 0.234, 0.113, 0.029 })]
    public void Ays_at_ten_steps_is_the_published_list(string family, double[] published)
    {
        var schedule = ScheduleFamilies.Build(Noise.Sd, family, SolverKind.UniPc, 10);
        // The ends sit a hair outside SD's range [0.029167, 14.6146] and are clamped to t = 1 and t = 1/N.
        Assert.Equal(1.0, schedule.T[0]);
        Assert.Equal(Noise.Sd.TMin, schedule.T[^1]);
        for (var i = 1; i < published.Length - 1; i++)
        {
            Assert.Equal(published[i], schedule.Sigmas[i], 6);
        }

        Assert.Empty(schedule.Warnings);
    }

    [Fact]
    public void Ays_interpolates_log_linearly_to_other_step_counts()
    {
        var five = ScheduleFamilies.Build(Noise.Sd, "ays", SolverKind.UniPc, 5);
        Assert.Equal(6, five.Sigmas.Count);
        Assert.Equal(3.861, five.Sigmas[1], 6);   // positions 0, 2, 4, ... of the 10-step list
        Assert.Equal(1.886, five.Sigmas[2], 6);

        var four = ScheduleFamilies.Build(Noise.Sd, "ays", SolverKind.UniPc, 4);
        Assert.Equal(Math.Sqrt(3.861 * 2.697), four.Sigmas[1], 6); // position 2.5: the geometric mean
        var ddim = ScheduleFamilies.Build(Noise.Sd, "ays", SolverKind.Ddim, 4);
        Assert.Equal(four.Sigmas.Take(4), ddim.Sigmas);
    }

    [Fact]
    public void Ays_on_a_schedule_it_was_not_made_for_says_so()
    {
        var schedule = ScheduleFamilies.Build(Noise.Ddpm, "ays", SolverKind.UniPc, 5);
        Assert.Contains(schedule.Warnings, w => w.Contains("does not fit"));
    }

    [Theory]
    [InlineData("karras", "family")]
    [InlineData("uniform_t:cosine", "family")]
    [InlineData("ays:sd3", "family")]
    [InlineData("edm:-1", "family")]
    public void Unknown_families_and_variants_are_clear_errors(string family, string field)
    {
        var error = Assert.Throws<HsoArgumentException>(() => ScheduleFamilies.Build(Noise.Sd, family, SolverKind.UniPc, 5));
        Assert.Equal(field, error.ParamName);
        Assert.Contains(family.Split(':').Last(), error.Message);
    }

    [Fact]
    public void Every_family_produces_the_solvers_point_count_in_descending_order()
    {
        // flow_shift is for flow models and ays for DDPM models: each runs on the process it is for.
        foreach (var (noise, name) in ScheduleFamilies.Names.Select(n => (n == "flow_shift" ? Noise.Flow : Noise.Cosine, n))
            .Concat(ScheduleFamilies.Names.Where(n => n != "ays").Select(n => (Noise.Flow, n))))
        {
            foreach (var solver in Enum.GetValues<SolverKind>())
            {
                var schedule = ScheduleFamilies.Build(noise, name, solver, 7);
                Assert.Equal(solver.PointCount(7), schedule.T.Count);
                Assert.True(schedule.T.Zip(schedule.T.Skip(1)).All(pair => pair.First >= pair.Second), $"{name} {solver}");
                Assert.True(double.IsFinite(schedule.Fitness), $"{name} {solver}: fitness {schedule.Fitness}");
                Assert.Equal(ScheduleMode.Family, schedule.Mode);
                Assert.StartsWith(name, schedule.Family);
            }
        }
    }
}
