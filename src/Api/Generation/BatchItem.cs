using HsoService.Inference.Pipelines;

namespace HsoService.Api.Generation;

/// <summary>
/// One request's part of a batch: its pipeline request (validated before it joins, so it cannot fail its neighbours),
/// the key of the requests it may be sampled with, its image count, and its result. Its state moves once from waiting
/// to running to ended; each move is one atomic swap, so exactly one party makes it and adjusts the telemetry, and the
/// result is published only after that, so a caller that sees its answer sees the counts already settled.
/// </summary>
public sealed class BatchItem
{
    private const int Waiting = 0, Running = 1, Ended = 2;
    private readonly TaskCompletionSource<float[]> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _state;
    private volatile bool _started;
    private volatile bool _cancelled;

    private BatchItem(DiffusionPipeline pipeline, GenerationRequest request)
    {
        Pipeline = pipeline;
        Request = request;
        Key = new BatchKey(pipeline, request.Shape);
        Images = request.Count;
        Bytes = pipeline.WorkingBytes(request);
        Evaluations = request.Times.Count;
    }

    public DiffusionPipeline Pipeline { get; }

    public GenerationRequest Request { get; }

    public BatchKey Key { get; }

    public int Images { get; }

    /// <summary>What its tensors take while it runs (<see cref="DiffusionPipeline.WorkingBytes"/>).</summary>
    public long Bytes { get; }

    /// <summary>Network evaluations of its schedule (one more for a final denoise is not counted: an estimate).</summary>
    public int Evaluations { get; }

    /// <summary>True once its batch began sampling (so a cancellation after it is a time-out, not a wait for a slot).</summary>
    public bool Started => _started;

    /// <summary>Images in the run that sampled it, this one's included (set when the run starts).</summary>
    public int BatchImages { get; internal set; }

    internal Task<float[]> Result => _result.Task;

    internal bool IsCancelled => _cancelled;

    public static BatchItem For(DiffusionPipeline pipeline, GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        pipeline.Validate(request);
        return new BatchItem(pipeline, request);
    }

    /// <summary>Waiting to running; false when it was cancelled first.</summary>
    internal bool TryStart()
    {
        var started = Interlocked.CompareExchange(ref _state, Running, Waiting) == Waiting;
        if (started)
        {
            _started = true;
        }

        return started;
    }

    /// <summary>Ends it as cancelled (publish with <see cref="PublishCancelled"/>); returns whether it was running, or null when it had ended.</summary>
    internal bool? TryCancel()
    {
        var before = Interlocked.Exchange(ref _state, Ended);
        if (before == Ended)
        {
            return null;
        }

        _cancelled = true;
        if (before == Running)
        {
            _started = true;
        }

        return before == Running;
    }

    /// <summary>Running to ended by its run; the caller publishes the result after settling the counts.</summary>
    internal bool TryFinish() => Interlocked.CompareExchange(ref _state, Ended, Running) == Running;

    internal void Publish(float[] images) => _result.TrySetResult(images);

    internal void Publish(Exception error) => _result.TrySetException(error);

    internal void PublishCancelled() => _result.TrySetCanceled();
}

/// <summary>Requests with equal keys are sampled in one run: the same loaded pipeline and the same sampling shape.</summary>
public sealed record BatchKey(DiffusionPipeline Pipeline, string Shape);
