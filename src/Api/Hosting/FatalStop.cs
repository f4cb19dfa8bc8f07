namespace HsoService.Api.Hosting;

/// <summary>
/// Whether the host stopped because a background service failed. The host stops when a <see cref="BackgroundService"/>
/// throws (its default), but <c>Run</c> then returns as after a SIGTERM; Program asks this afterwards and exits with
/// <see cref="ExitCode"/> and one line per failed service, so a supervisor (docker's restart policy, Kubernetes)
/// sees the failure and restarts the instance.
/// </summary>
public sealed class FatalStop
{
    /// <summary>The exit code of a fatal stop (EX_SOFTWARE).</summary>
    public const int ExitCode = 70;

    private readonly IReadOnlyList<BackgroundService> _services;

    private FatalStop(IReadOnlyList<BackgroundService> services) => _services = services;

    /// <summary>Watches the host's background services; call before the host runs (it creates them).</summary>
    public static FatalStop Watch(IServiceProvider services) =>
        new([.. services.GetServices<IHostedService>().OfType<BackgroundService>()]);

    /// <summary>One line per background service that ended with an exception: which, and the exception's type.</summary>
    public IReadOnlyList<string> Failures =>
        [.. _services
            .Where(s => s.ExecuteTask is { IsFaulted: true })
            .Select(s => $"{s.GetType().Name} stopped with {s.ExecuteTask!.Exception!.GetBaseException().GetType().Name}; the host stopped with it (the log has the details)")];
}
