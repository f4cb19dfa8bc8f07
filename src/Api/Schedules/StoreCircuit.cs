using Polly;
using Polly.CircuitBreaker;

namespace HsoService.Api.Schedules;

/// <summary>
/// A circuit breaker (Polly) in front of the store and the queue: after two calls in a row fail for an outage, calls
/// fail at once for <c>Hso:StoreBreakSeconds</c> instead of each waiting out Redis's time-out, then one call tries
/// the store again and closes the circuit when it answers. Callers see a failed call as an outage either way.
/// </summary>
public sealed class StoreCircuit
{
    private readonly ResiliencePipeline _pipeline;

    public StoreCircuit(TimeSpan breakDuration) =>
        _pipeline = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 2,
                SamplingDuration = TimeSpan.FromSeconds(Math.Max(1, breakDuration.TotalSeconds * 5)),
                BreakDuration = breakDuration,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ScheduleService.IsStoreFailure),
            })
            .Build();

    public async Task<T> ExecuteAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(async _ => await action(), cancellationToken);
}
