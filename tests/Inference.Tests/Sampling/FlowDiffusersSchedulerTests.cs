using System.Text.Json;
using System.Text.Json.Nodes;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Tests.Sampling;

/// <summary>
/// A flow schedule's diffusers block against diffusers' own FlowMatchEulerDiscreteScheduler:
/// tests/fixtures/flow-blocks/diffusers.json holds what set_timesteps(sigmas=block, mu=...) visited when diffusers'
/// scheduler file ran on these blocks (run_diffusers.py beside it; regenerate the inputs with HSO_WRITE_FLOW_BLOCKS=1).
/// The test checks the blocks are still the ones diffusers was given and that it visited the schedule's sigmas.
/// </summary>
public sealed class FlowDiffusersSchedulerTests
{
    private static readonly string Folder = Path.Combine(Repository.Root, "tests", "fixtures", "flow-blocks");

    private static readonly (string Config, string Schedule, SolverKind Solver, int Nfe, int? ImageSeqLen)[] Cases =
    [
        ("""{"_class_name": "FlowMatchEulerDiscreteScheduler", "num_train_timesteps": 1000, "shift": 3.0}""", "hso-robust", SolverKind.UniPc, 6, null),
        ("""{"_class_name": "FlowMatchEulerDiscreteScheduler", "num_train_timesteps": 1000, "shift": 3.0}""", "uniform_lambda", SolverKind.Ddim, 8, null),
        ("""{"_class_name": "FlowMatchEulerDiscreteScheduler", "num_train_timesteps": 1000, "shift": 1.0}""", "edm:7", SolverKind.DpmPp2M, 5, null),
        ("""{"_class_name": "FlowMatchEulerDiscreteScheduler", "num_train_timesteps": 1000, "shift": 3.0, "use_dynamic_shifting": true, "base_shift": 0.5, "max_shift": 1.15, "base_image_seq_len": 256, "max_image_seq_len": 4096}""", "hso-robust", SolverKind.Ddim, 6, 4096),
        ("""{"_class_name": "FlowMatchEulerDiscreteScheduler", "num_train_timesteps": 1000, "use_dynamic_shifting": true, "time_shift_type": "linear"}""", "uniform_t", SolverKind.UniPc, 4, 1024),
    ];

    private static (Schedule Schedule, DiffusersSchedule Block) Block(int index)
    {
        var (config, name, solver, nfe, tokens) = Cases[index];
        var noise = NoiseSchedule.FromJson(config);
        var schedule = NamedSchedules.Build(noise, name, solver, nfe);
        return (schedule, DiffusersSchedule.For(schedule, noise, discreteTime: false, tokens)!);
    }

    [Fact]
    public void Diffusers_own_scheduler_visits_the_schedules_sigmas_from_the_block()
    {
        if (Environment.GetEnvironmentVariable("HSO_WRITE_FLOW_BLOCKS") == "1")
        {
            var inputs = new JsonArray([.. Cases.Select((c, i) => (JsonNode)new JsonObject
            {
                ["config"] = JsonNode.Parse(c.Config),
                ["schedule"] = c.Schedule,
                ["block_sigmas"] = new JsonArray([.. Block(i).Block.Sigmas.Select(s => (JsonNode)s)]),
                ["mu"] = Block(i).Block.Mu,
            })]);
            File.WriteAllText(Path.Combine(Folder, "inputs.json"), inputs.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }

        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "diffusers.json")));
        var recorded = document.RootElement;
        Assert.Equal(Cases.Length, recorded.GetArrayLength());
        for (var i = 0; i < Cases.Length; i++)
        {
            var (schedule, block) = Block(i);
            var given = recorded[i].GetProperty("block_sigmas").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(given.Length, block.Sigmas.Count);
            for (var k = 0; k < given.Length; k++)
            {
                Assert.Equal(given[k], block.Sigmas[k], 1e-12);
            }

            var visited = recorded[i].GetProperty("diffusers_sigmas").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var expected = schedule.T.Take(schedule.Nfe).Append(0.0).ToArray();
            Assert.Equal(expected.Length, visited.Length);
            for (var k = 0; k < visited.Length; k++)
            {
                Assert.True(Math.Abs(visited[k] - expected[k]) <= 1e-5, $"case {i} ({Cases[i].Schedule}): diffusers visits {visited[k]} at {k}, the schedule {expected[k]}");
            }
        }
    }
}
