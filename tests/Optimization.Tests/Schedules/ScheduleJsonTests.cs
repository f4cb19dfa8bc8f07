using System.Text.Json;
using HsoService.Optimization.Schedules;
using HsoService.Optimization.Search;

namespace HsoService.Optimization.Tests.Schedules;

public class ScheduleJsonTests
{
    [Fact]
    public void Serialises_in_snake_case_and_round_trips()
    {
        var schedule = HsoOptimizer.Optimize(Noise.Sd, new HsoOptions { Solver = SolverKind.DpmPp2M, Nfe = 4 });
        var json = ScheduleJson.Serialize(schedule);

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("robust", root.GetProperty("mode").GetString());
        Assert.Equal("dpmpp2m", root.GetProperty("solver").GetString());
        Assert.Equal(5, root.GetProperty("model_times").GetArrayLength());
        Assert.Equal(schedule.Params.TMax, root.GetProperty("params").GetProperty("t_max").GetDouble());
        Assert.Equal(Noise.Sd.Hash, root.GetProperty("noise_schedule_hash").GetString());
        foreach (var name in new[] { "t", "timesteps", "sigmas", "lambdas", "fitness", "mep", "penalty", "nfe", "elapsed_ms", "warnings", "seed" })
        {
            Assert.True(root.TryGetProperty(name, out _), name);
        }

        var back = ScheduleJson.Deserialize(json);
        Assert.Equal(schedule.T, back.T);
        Assert.Equal(schedule.Fitness, back.Fitness);
        Assert.Equal(schedule.Params, back.Params);
        Assert.Equal(schedule.Solver, back.Solver);
    }

    [Fact]
    public void Explicit_times_are_validated_naming_the_field()
    {
        var error = Assert.Throws<HsoArgumentException>(
            () => ScheduleBuilder.Build(Noise.Sd, SolverKind.UniPc, 3, [0.9, 0.95, 0.5, 0.1], ScheduleMode.Explicit));
        Assert.Equal("t", error.ParamName);
        Assert.Contains("must descend", error.Message);

        var count = Assert.Throws<HsoArgumentException>(
            () => ScheduleBuilder.Build(Noise.Sd, SolverKind.UniPc, 3, [0.9, 0.5, 0.1], ScheduleMode.Explicit));
        Assert.Contains("needs 4", count.Message);
    }
}
