using System.Collections.Concurrent;
using System.Threading.Channels;
using HsoService.Api.Schedules;

namespace HsoService.Api.Stores;

/// <summary>
/// The embedded job queue: a <see cref="Channel{T}"/> of job ids and the jobs' state in memory. Finished jobs are
/// forgotten after <see cref="FinishedJobLifetime"/> (as Redis job hashes expire), so a long-running instance does not
/// grow without bound. With a <see cref="JobJournal"/> every state change is also written to disk, and a new queue
/// reads the journal back: jobs that were queued, running or storing when the process stopped are queued again, with
/// their ids, and run again. Accepting a job needs its journal entry written (a full disk refuses the job with
/// <see cref="StoreWriteException"/>, and nothing of it is kept or counted); later state changes are journaled when
/// they can be and go on in memory when they cannot.
/// </summary>
public sealed class InMemoryJobQueue : IJobQueue
{
    private readonly int _maxAttempts;
    private readonly int _maxQueued;
    private readonly int _maxActivePerClient;
    private readonly JobJournal? _journal;

    public InMemoryJobQueue(int maxAttempts, TimeProvider? time = null, int maxQueued = int.MaxValue, JobJournal? journal = null, int maxActivePerClient = int.MaxValue)
    {
        _maxAttempts = maxAttempts;
        _maxActivePerClient = maxActivePerClient;
        _maxQueued = maxQueued;
        _journal = journal;
        _time = time ?? TimeProvider.System;
        foreach (var job in journal?.Load() ?? [])
        {
            if (job.IsActive)
            {
                // Stopped mid-run: queued again, its attempt not counted (the process stopped, not the job).
                var queued = job with { Status = JobStatus.Queued, Progress = 0, Attempts = job.Status == JobStatus.Queued ? job.Attempts : Math.Max(0, job.Attempts - 1) };
                _jobs[job.Id] = queued;
                _activeByKey[job.Key] = job.Id;
                journal!.TrySave(queued);
                Interlocked.Increment(ref _depth);
                _channel.Writer.TryWrite(job.Id);
            }
            else
            {
                _jobs[job.Id] = job;
            }
        }
    }

    /// <summary>How long a finished job can still be read at <c>GET /schedules/jobs/{id}</c>.</summary>
    public static readonly TimeSpan FinishedJobLifetime = TimeSpan.FromDays(1);

    private readonly TimeProvider _time;
    private readonly Channel<string> _channel = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, OptimizationJob> _jobs = new();
    private readonly Dictionary<string, string> _activeByKey = [];
    private readonly Lock _gate = new();
    private long _depth;

    public Task<(OptimizationJob Job, bool Created)> EnqueueAsync(OptimizationJob job, CancellationToken cancellationToken = default)
    {
        ForgetOldJobs();
        lock (_gate)
        {
            if (_activeByKey.TryGetValue(job.Key, out var activeId) && _jobs.TryGetValue(activeId, out var active) && active.IsActive)
            {
                return Task.FromResult((active, false));
            }

            // A request for a key already queued is answered above; only a new job is refused at the bound.
            if (Interlocked.Read(ref _depth) >= _maxQueued)
            {
                throw new QueueFullException(_maxQueued);
            }

            if (job.Client is { } client && _jobs.Values.Count(j => j.IsActive && j.Client == client) >= _maxActivePerClient)
            {
                throw new ClientLimitException(_maxActivePerClient);
            }

            // Written before it is kept: a job the journal cannot hold is refused whole, and counts for nothing.
            _journal?.Save(job);
            _jobs[job.Id] = job;
            _activeByKey[job.Key] = job.Id;
        }

        Interlocked.Increment(ref _depth);
        _channel.Writer.TryWrite(job.Id);
        return Task.FromResult((job, true));
    }

    public Task<OptimizationJob?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(_jobs.TryGetValue(id, out var job) ? job : null);

    public async Task<OptimizationJob> TakeAsync(string consumer, CancellationToken cancellationToken)
    {
        while (true)
        {
            var id = await _channel.Reader.ReadAsync(cancellationToken);
            Interlocked.Decrement(ref _depth);
            lock (_gate)
            {
                // Under the gate, so a cancel cannot be overwritten by the take (nor by progress, below).
                if (_jobs.TryGetValue(id, out var job) && job.Status == JobStatus.Queued)
                {
                    var running = job with { Status = JobStatus.Running, Attempts = job.Attempts + 1, StartedAt = _time.GetUtcNow() };
                    _jobs[id] = running;
                    _journal?.TrySave(running);
                    return running;
                }
            }
        }
    }

    public Task ReportProgressAsync(string id, double fraction, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_jobs.TryGetValue(id, out var job) && job.IsActive)
            {
                _jobs[id] = job with { Progress = fraction };
            }
        }

        return Task.CompletedTask;
    }

    // One process: a live worker is never taken for a dead one.
    public Task RenewAsync(OptimizationJob job, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<bool> BeginStoringAsync(OptimizationJob job, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_jobs.TryGetValue(job.Id, out var current) && current.Status == JobStatus.Running && current.Attempts == job.Attempts)
            {
                _jobs[job.Id] = current with { Status = JobStatus.Storing };
                _journal?.TrySave(_jobs[job.Id]);
                return Task.FromResult(true);
            }

            return Task.FromResult(false);
        }
    }

    public Task CompleteAsync(OptimizationJob job, string result, CancellationToken cancellationToken = default)
    {
        Finish(job with { Status = JobStatus.Succeeded, Progress = 1, Result = result, FinishedAt = _time.GetUtcNow(), Error = null });
        return Task.CompletedTask;
    }

    public Task FailAsync(OptimizationJob job, string error, CancellationToken cancellationToken = default, bool retry = true)
    {
        if (!retry || job.Attempts >= _maxAttempts)
        {
            lock (_gate)
            {
                // A job cancelled while its last attempt was failing stays cancelled.
                if (HeldByWorker(job.Id))
                {
                    Finish(job with { Status = JobStatus.Failed, Error = error, FinishedAt = _time.GetUtcNow() });
                }
            }
        }
        else
        {
            Requeue(job with { Status = JobStatus.Queued, Error = error });
        }

        return Task.CompletedTask;
    }

    public Task ReleaseAsync(OptimizationJob job, CancellationToken cancellationToken = default)
    {
        Requeue(job with { Status = JobStatus.Queued, Attempts = job.Attempts - 1, Progress = 0 });
        return Task.CompletedTask;
    }

    public Task<OptimizationJob?> CancelAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_jobs.TryGetValue(id, out var job))
            {
                return Task.FromResult<OptimizationJob?>(null);
            }

            if (job.IsCancellable)
            {
                job = job with { Status = JobStatus.Cancelled, FinishedAt = _time.GetUtcNow(), Error = null };
                Finish(job);
            }

            return Task.FromResult<OptimizationJob?>(job);
        }
    }

    public Task<long> DepthAsync(CancellationToken cancellationToken = default) => Task.FromResult(Interlocked.Read(ref _depth));

    /// <summary>Number of jobs held in memory, finished ones included.</summary>
    public int Count => _jobs.Count;

    private void ForgetOldJobs()
    {
        var cutoff = _time.GetUtcNow() - FinishedJobLifetime;
        foreach (var (id, job) in _jobs)
        {
            if (!job.IsActive && job.FinishedAt is { } finished && finished < cutoff)
            {
                _jobs.TryRemove(id, out _);
                _journal?.Delete(id);
            }
        }
    }

    // A job cancelled while its worker was failing or stopping stays cancelled and is not queued again.
    private void Requeue(OptimizationJob job)
    {
        lock (_gate)
        {
            if (!HeldByWorker(job.Id))
            {
                return;
            }

            _jobs[job.Id] = job;
            _journal?.TrySave(job);
        }

        Interlocked.Increment(ref _depth);
        _channel.Writer.TryWrite(job.Id);
    }

    // Running or storing: a worker has it, and only that worker's report may change it. Call under the gate.
    private bool HeldByWorker(string id) => _jobs.TryGetValue(id, out var job) && job.Status is JobStatus.Running or JobStatus.Storing;

    private void Finish(OptimizationJob job)
    {
        lock (_gate)
        {
            _jobs[job.Id] = job;
            _journal?.TrySave(job);
            if (_activeByKey.TryGetValue(job.Key, out var id) && id == job.Id)
            {
                _activeByKey.Remove(job.Key);
            }
        }
    }
}
