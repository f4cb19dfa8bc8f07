using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Optimization.Tests.Schedules;

/// <summary>
/// A flow schedule's diffusers block, checked against FlowMatchEulerDiscreteScheduler.set_timesteps(sigmas=..., mu=...)
/// as diffusers' scheduling_flow_match_euler_discrete.py computes it (written out below in its own float32 steps):
/// the scheduler must visit the schedule's sigmas, then 0.
/// </summary>
public class FlowDiffusersBlockTests
{
    /// <summary>set_timesteps' custom-sigma branch: float32 sigmas, shifted (static or by mu), then 0 appended.</summary>
    private static float[] SetTimesteps(FlowMatchSettings config, IReadOnlyList<double> sigmas, double? mu)
    {
        var given = sigmas.Select(s => (double)(float)s).ToArray();
        var shifted = given.Select(s => config.UseDynamicShifting
            ? (config.TimeShiftType == TimeShiftType.Exponential ? Math.Exp(mu!.Value) / (Math.Exp(mu.Value) + Math.Pow(1 / s - 1, 1.0)) : mu!.Value / (mu.Value + Math.Pow(1 / s - 1, 1.0)))
            : config.Shift * s / (1 + (config.Shift - 1) * s));
        return [.. shifted.Select(s => (float)s), 0f];
    }

    public static TheoryData<string, string, int?> Cases => new()
    {
        { """{"_class_name": "FlowMatchEulerDiscreteScheduler", "shift": 3.0}""", "hso-robust", null },
        { """{"_class_name": "FlowMatchEulerDiscreteScheduler", "shift": 3.0}""", "uniform_lambda", null },
        { """{"_class_name": "FlowMatchEulerDiscreteScheduler", "shift": 1.0}""", "edm:7", null },
        { """{"_class_name": "FlowMatchEulerDiscreteScheduler", "shift": 3.0, "use_dynamic_shifting": true}""", "hso-robust", 4096 },
        { """{"_class_name": "FlowMatchEulerDiscreteScheduler", "use_dynamic_shifting": true, "time_shift_type": "linear"}""", "uniform_t", 256 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Diffusers_own_scheduler_visits_the_schedules_sigmas(string config, string name, int? imageSeqLen)
    {
        var noise = (RectifiedFlowSchedule)NoiseSchedule.FromJson(config);
        foreach (var solver in new[] { SolverKind.Ddim, SolverKind.UniPc })
        {
            var schedule = NamedSchedules.Build(noise, name, solver, 6);
            var block = DiffusersSchedule.For(schedule, noise, discreteTime: false, imageSeqLen)!;
            Assert.Equal("FlowMatchEulerDiscreteScheduler", block.Scheduler);
            Assert.Equal(6, block.Sigmas.Count);
            Assert.Equal(noise.Settings.UseDynamicShifting, block.Mu is not null);
            var visited = SetTimesteps(noise.Settings, block.Sigmas, block.Mu);
            var expected = schedule.T.Take(6).Append(0.0).ToArray();
            for (var i = 0; i < visited.Length; i++)
            {
                Assert.InRange(Math.Abs(visited[i] - expected[i]), 0, 1e-5);
            }
        }
    }

    [Fact]
    public void No_block_where_the_scheduler_cannot_reproduce_the_schedule()
    {
        var terminal = NoiseSchedule.FromJson("""{"_class_name": "FlowMatchEulerDiscreteScheduler", "shift": 3.0, "shift_terminal": 0.1}""");
        Assert.Null(DiffusersSchedule.For(NamedSchedules.Build(terminal, "uniform_t", SolverKind.Ddim, 4), terminal, false));
        var dynamic = NoiseSchedule.FromJson("""{"_class_name": "FlowMatchEulerDiscreteScheduler", "use_dynamic_shifting": true}""");
        Assert.Null(DiffusersSchedule.For(NamedSchedules.Build(dynamic, "uniform_t", SolverKind.Ddim, 4), dynamic, false));
        var atLast = NamedSchedules.Build(Noise.Flow, "uniform_t", SolverKind.Ddim, 4) with { FinalStep = FinalStep.AtLastTime };
        Assert.Null(DiffusersSchedule.For(atLast, Noise.Flow, false));
    }
}
