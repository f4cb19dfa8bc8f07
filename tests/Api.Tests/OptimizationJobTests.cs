using HsoService.Api.Schedules;

namespace HsoService.Api.Tests;

public sealed class OptimizationJobTests
{
    [Fact]
    public void A_running_job_estimates_the_seconds_left_from_its_progress_and_other_states_have_no_estimate()
    {
        var running = TestJobs.Create("m:unipc:4:robust") with { Status = JobStatus.Running, StartedAt = DateTimeOffset.UtcNow.AddSeconds(-10), Progress = 0.25 };
        Assert.InRange(running.EtaSeconds!.Value, 29.5, 31.5);
        Assert.Null((running with { Progress = 0 }).EtaSeconds);
        Assert.Null((running with { Status = JobStatus.Queued }).EtaSeconds);
        Assert.Null((running with { Status = JobStatus.Succeeded, Progress = 1 }).EtaSeconds);
    }
}
