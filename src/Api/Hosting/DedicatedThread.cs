namespace HsoService.Api.Hosting;

/// <summary>
/// Runs long blocking work (a search, a sampling run, model loading) on a thread of its own instead of the thread pool.
/// ONNX Runtime blocks its caller in native code, which the pool cannot see; while the CPU is saturated the pool adds no
/// threads, so searches holding pool threads starved everything else that needs one (request handling, Redis
/// continuations, a worker's claim renewals: measured stalls of 4 to 34 s with two searches on two cores).
/// </summary>
public static class DedicatedThread
{
    public static Task<T> Run<T>(Func<T> work, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(work, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public static Task Run(Action work, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(work, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
