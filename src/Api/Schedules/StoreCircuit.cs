using Polly;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace HsoService.Api.Schedules;

/// <summary>
/// A circuit breaker (Polly) in front of the store and the queue. Two ways open it: the Redis connection reporting
/// itself lost (the circuit is isolated until the connection reports itself restored), and, for a store that hangs
/// without dropping the connection, at least two failed calls in the last two seconds making up half of that
/// window's calls (then calls fail at once for <c>Hso:StoreBreakSeconds</c> before one tries again). Either way calls
/// fail at once instead of each waiting out Redis's time-out, and callers see them as an outage.
/// </summary>
public sealed class StoreCircuit
{
    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerManualControl _control = new();

    public StoreCircuit(TimeSpan breakDuration) =>
        _pipeline = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 2,
                SamplingDuration = TimeSpan.FromSeconds(2),
                BreakDuration = breakDuration,
                ManualControl = _control,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ScheduleService.IsStoreFailure),
            })
            .Build();

    /// <summary>Follows a Redis connection: isolated while it is lost, closed when it is restored.</summary>
    public StoreCircuit Follow(IConnectionMultiplexer connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        connection.ConnectionFailed += (_, _) => _ = _control.IsolateAsync();
        connection.ConnectionRestored += (_, _) =>
        {
            if (connection.IsConnected)
            {
                _ = _control.CloseAsync();
            }
        };
        return this;
    }

    public async Task<T> ExecuteAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(async _ => await action(), cancellationToken);
}
