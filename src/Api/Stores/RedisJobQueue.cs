using HsoService.Inference.Storage;
using System.Globalization;
using HsoService.Api.Schedules;
using HsoService.Optimization.Schedules;
using StackExchange.Redis;

namespace HsoService.Api.Stores;

/// <summary>
/// Jobs in a Redis Stream (<c>hso:v1:jobs</c>, consumer group <c>workers</c>) with each job's state in a hash. An
/// entry is acknowledged only when its job is finished (after the schedule is stored) or re-queued, so a job whose
/// worker died stays pending and is reclaimed with XAUTOCLAIM after <c>ClaimIdleSeconds</c> by any instance (a live
/// worker renews its claim, <see cref="RenewAsync"/>). State changes that race a cancel are Lua scripts.
/// One active job per key is kept with SET NX on <c>hso:v1:active:{key}</c>. StackExchange.Redis cannot block on a
/// stream read, so an idle worker polls every 100 ms. The queue's depth is not a counter that can drift: it is the
/// consumer group's lag (entries not yet delivered), read in the same script that adds a job, so the bound holds under
/// any concurrency and heals by itself. An entry is deleted from the stream once acknowledged. A job hash that cannot
/// be parsed (a poisoned record) is reported, marked failed and its entry removed; it never reaches a worker.
/// </summary>
public sealed class RedisJobQueue(
    IConnectionMultiplexer redis, int maxAttempts, TimeSpan claimIdle, int maxQueued = int.MaxValue, int maxActivePerClient = int.MaxValue, UnreadableRecords? unreadable = null) : IJobQueue
{
    private const string StoreName = "redis job queue";
    private static readonly TimeSpan JobLifetime = TimeSpan.FromDays(7);
    private const string ReleaseActiveScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
    // Marks a job running only while it is still queued or running, atomically, so a cancel is never overwritten.
    // (A storing job is taken again too: its worker died before it finished.)
    private const string MarkRunningScript = """
        local status = redis.call('hget', KEYS[1], 'status')
        if status ~= 'queued' and status ~= 'running' and status ~= 'storing' then return 0 end
        redis.call('hset', KEYS[1], 'status', 'running', 'started_at', ARGV[1], 'progress', '0', 'entry', ARGV[2], 'consumer', ARGV[3])
        return 1
        """;

    // Resets the idle time of this run's stream entry (XCLAIM to its own consumer, JUSTID: no delivery counted), while
    // the run is current: running or storing, and the attempt it was taken as.
    private const string RenewScript = """
        local job = redis.call('hmget', KEYS[1], 'status', 'attempts', 'entry', 'consumer')
        if (job[1] ~= 'running' and job[1] ~= 'storing') or job[2] ~= ARGV[1] or not job[3] or not job[4] then return 0 end
        redis.call('xclaim', KEYS[2], ARGV[2], job[4], 0, job[3], 'JUSTID')
        return 1
        """;

    // Running to storing, only for the current attempt; a cancel after this is refused (CancelScript). -1: the job's
    // record is gone (Redis restarted without its data), so no other worker holds it and this run may finish it.
    private const string BeginStoringScript = """
        if redis.call('exists', KEYS[1]) == 0 then return -1 end
        local job = redis.call('hmget', KEYS[1], 'status', 'attempts')
        if job[1] ~= 'running' or job[2] ~= ARGV[1] then return 0 end
        redis.call('hset', KEYS[1], 'status', 'storing')
        return 1
        """;

    // Queued or running to cancelled in one step, so a cancel and a worker's BeginStoring never both win.
    private const string CancelScript = """
        local status = redis.call('hget', KEYS[1], 'status')
        if status ~= 'queued' and status ~= 'running' then return 0 end
        redis.call('hset', KEYS[1], 'status', 'cancelled', 'finished_at', ARGV[1], 'error', '', 'result', '')
        return 1
        """;

    // Failed for good only from running or storing, like RequeueScript.
    private const string FailScript = """
        local status = redis.call('hget', KEYS[1], 'status')
        if status ~= 'running' and status ~= 'storing' then return 0 end
        redis.call('hset', KEYS[1], 'status', 'failed', 'finished_at', ARGV[1], 'error', ARGV[2], 'result', '')
        return 1
        """;

    // Back to queued only from running or storing: a job cancelled meanwhile stays cancelled and is not queued again.
    private const string RequeueScript = """
        local status = redis.call('hget', KEYS[1], 'status')
        if status ~= 'running' and status ~= 'storing' then return 0 end
        redis.call('hset', KEYS[1], 'status', 'queued', 'progress', '0', 'error', ARGV[1])
        if ARGV[2] ~= '0' then redis.call('hincrby', KEYS[1], 'attempts', ARGV[2]) end
        return 1
        """;

    // Progress only of a running job: a write never recreates a job whose record is gone as a hash holding only progress.
    private const string ProgressScript = """
        if redis.call('hget', KEYS[1], 'status') ~= 'running' then return 0 end
        redis.call('hset', KEYS[1], 'progress', ARGV[1])
        return 1
        """;

    // Entries waiting to be delivered to the group: its lag, or when Redis cannot tell it (entries deleted after the
    // last delivered one), the entries after the last delivered one, counted up to ARGV[most]. 0 without the group.
    private const string DepthFunction = """
        local function depth(stream, group, most)
          if redis.call('exists', stream) == 0 then return 0 end
          for _, fields in ipairs(redis.call('xinfo', 'groups', stream)) do
            local info = {}
            for i = 1, #fields, 2 do info[fields[i]] = fields[i + 1] end
            if info['name'] == group then
              if info['lag'] then return tonumber(info['lag']) end
              return #redis.call('xrange', stream, '(' .. info['last-delivered-id'], '+', 'COUNT', most)
            end
          end
          return redis.call('xlen', stream)
        end
        """;

    // A new job in one step: the key's active job when it has one; else refused when the queue holds its bound; else
    // the key claimed and the entry added. KEYS: active marker, stream. ARGV: job id, bound, marker lifetime (s), group.
    private const string EnqueueScript = DepthFunction + "\n" + """
        local active = redis.call('get', KEYS[1])
        if active then return {'active', active} end
        if depth(KEYS[2], ARGV[4], tonumber(ARGV[2]) + 1) >= tonumber(ARGV[2]) then return {'full'} end
        redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[3])
        redis.call('xadd', KEYS[2], '*', 'id', ARGV[1])
        return {'created'}
        """;

    private const string DepthScript = DepthFunction + "\nreturn depth(KEYS[1], ARGV[1], tonumber(ARGV[2]))";

    // A poisoned record marked failed, when it still exists. KEYS: job hash. ARGV: finished at, error.
    private const string QuarantineScript = """
        if redis.call('exists', KEYS[1]) == 0 then return 0 end
        redis.call('hset', KEYS[1], 'status', 'failed', 'finished_at', ARGV[1], 'error', ARGV[2])
        return 1
        """;

    // The next attempt's number, only for a job whose record exists (-1 otherwise).
    private const string AttemptScript = "if redis.call('exists', KEYS[1]) == 0 then return -1 end return redis.call('hincrby', KEYS[1], 'attempts', 1)";

    // The end of a job, written only over a record that exists (0 otherwise: the caller writes the whole record back).
    private const string FinishScript = """
        if redis.call('exists', KEYS[1]) == 0 then return 0 end
        redis.call('hset', KEYS[1], 'status', ARGV[1], 'finished_at', ARGV[2], 'error', ARGV[3], 'result', ARGV[4], 'progress', ARGV[5])
        return 1
        """;

    private volatile bool _groupReady;

    private IDatabase Database => redis.GetDatabase();

    public async Task<(OptimizationJob Job, bool Created)> EnqueueAsync(OptimizationJob job, CancellationToken cancellationToken = default)
    {
        await EnsureGroupAsync();
        var database = Database;
        await WriteAsync(database, job);
        var activeKey = RedisKeys.ActiveJob(job.Key);
        var kept = false;
        try
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                if (job.Client is { } client && (await database.StringGetAsync(activeKey)).IsNullOrEmpty && await ActiveOfAsync(database, client) >= maxActivePerClient)
                {
                    throw new ClientLimitException(maxActivePerClient);
                }

                // The bound, the key's claim and the entry in one script: concurrent enqueues on every instance cannot
                // pass the bound together, and a failure leaves nothing reserved.
                var answer = (RedisResult[])(await database.ScriptEvaluateAsync(
                    EnqueueScript,
                    [activeKey, RedisKeys.JobStream],
                    [job.Id, maxQueued, (long)JobLifetime.TotalSeconds, RedisKeys.ConsumerGroup]))!;
                switch (answer[0].ToString())
                {
                    case "created":
                        kept = true;
                        if (job.Client is { } owner)
                        {
                            await database.SetAddAsync(RedisKeys.ClientJobs(owner), job.Id);
                            await database.KeyExpireAsync(RedisKeys.ClientJobs(owner), JobLifetime);
                        }

                        return (job, true);
                    case "full":
                        throw new QueueFullException(maxQueued);
                }

                // A request for a key already queued gets its job, full queue or not.
                var activeId = answer[1].ToString();
                if (await GetAsync(activeId, cancellationToken) is { IsActive: true } active)
                {
                    return (active, false);
                }

                // The marker points at a finished or vanished job: clear it and try again.
                await database.ScriptEvaluateAsync(ReleaseActiveScript, [activeKey], [activeId]);
            }

            throw new RedisException($"could not claim the active-job marker of {job.Key}");
        }
        finally
        {
            if (!kept)
            {
                await ForgetAsync(database, job.Id);
            }
        }
    }

    // The record of a job that was not accepted; best effort (it expires with the job lifetime anyway).
    private static async Task ForgetAsync(IDatabase database, string id)
    {
        try
        {
            await database.KeyDeleteAsync(RedisKeys.Job(id));
        }
        catch (RedisException)
        {
        }
    }

    public async Task<OptimizationJob?> GetAsync(string id, CancellationToken cancellationToken = default) => (await ReadRecordAsync(id))?.Job;

    // A job's record, and what is wrong with it when it cannot be parsed (the job then reads as failed, saying so).
    private async Task<Record?> ReadRecordAsync(string id)
    {
        HashEntry[] fields;
        try
        {
            fields = await Database.HashGetAllAsync(RedisKeys.Job(id));
        }
        catch (RedisServerException e) when (e.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            return new Record(Quarantined(id, [], "its Redis key holds another type than a hash"), "its Redis key holds another type than a hash");
        }

        return fields.Length == 0 ? null : Parse(id, fields.ToDictionary(f => f.Name.ToString(), f => f.Value.ToString()));
    }

    public async Task<OptimizationJob> TakeAsync(string consumer, CancellationToken cancellationToken)
    {
        try
        {
            return await TakeOnceAsync(consumer, cancellationToken);
        }
        catch (RedisServerException e) when (e.Message.Contains("NOGROUP", StringComparison.Ordinal))
        {
            // Redis came back empty (no persistence): make the group again; the stream keeps any new entries.
            _groupReady = false;
            throw;
        }
    }

    private async Task<OptimizationJob> TakeOnceAsync(string consumer, CancellationToken cancellationToken)
    {
        await EnsureGroupAsync();
        var database = Database;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Entries whose worker died first, then new ones. (default(StreamEntry) is not IsNull, so test the arrays.)
            var claimed = (await database.StreamAutoClaimAsync(RedisKeys.JobStream, RedisKeys.ConsumerGroup, consumer, (long)claimIdle.TotalMilliseconds, "0-0", 1)).ClaimedEntries;
            var reclaimed = claimed is { Length: > 0 } && !claimed[0].Id.IsNull;
            StreamEntry entry;
            if (reclaimed)
            {
                entry = claimed![0];
            }
            else
            {
                var entries = await database.StreamReadGroupAsync(RedisKeys.JobStream, RedisKeys.ConsumerGroup, consumer, ">", 1);
                if (entries is not { Length: > 0 } || entries[0].Id.IsNull)
                {
                    await Task.Delay(100, cancellationToken);
                    continue;
                }

                entry = entries[0];
            }

            var id = entry["id"].ToString();
            var record = string.IsNullOrEmpty(id) ? null : await ReadRecordAsync(id);
            if (record is { Problem: { } problem })
            {
                await QuarantineAsync(database, record.Job, problem, entry.Id);
                continue;
            }

            var job = record?.Job;
            if (job is null || !job.IsActive)
            {
                await AcknowledgeAsync(database, entry.Id);
                continue;
            }

            var attempts = (int)await database.ScriptEvaluateAsync(AttemptScript, [RedisKeys.Job(id)]);
            if (attempts < 0)
            {
                // Its record vanished between the read above and now.
                await AcknowledgeAsync(database, entry.Id);
                continue;
            }

            if (reclaimed && attempts > maxAttempts)
            {
                await FinishAsync(database, job with { Attempts = attempts - 1 }, entry.Id, JobStatus.Failed, error: $"its worker stopped {maxAttempts} times", result: null);
                continue;
            }

            var running = job with { Status = JobStatus.Running, Attempts = attempts, StartedAt = DateTimeOffset.UtcNow, Progress = 0 };
            var marked = (int)await database.ScriptEvaluateAsync(
                MarkRunningScript,
                [RedisKeys.Job(id)],
                [running.StartedAt!.Value.ToString("O"), entry.Id.ToString(), consumer]);
            if (marked == 0)
            {
                // Cancelled between the read above and now.
                await AcknowledgeAsync(database, entry.Id);
                continue;
            }

            return running;
        }
    }

    public Task ReportProgressAsync(string id, double fraction, CancellationToken cancellationToken = default) =>
        Database.ScriptEvaluateAsync(ProgressScript, [RedisKeys.Job(id)], [fraction.ToString("R", CultureInfo.InvariantCulture)]);

    public async Task RenewAsync(OptimizationJob job, CancellationToken cancellationToken = default) =>
        await Database.ScriptEvaluateAsync(
            RenewScript,
            [RedisKeys.Job(job.Id), RedisKeys.JobStream],
            [job.Attempts.ToString(CultureInfo.InvariantCulture), RedisKeys.ConsumerGroup]);

    public async Task<bool> BeginStoringAsync(OptimizationJob job, CancellationToken cancellationToken = default) =>
        (int)await Database.ScriptEvaluateAsync(BeginStoringScript, [RedisKeys.Job(job.Id)], [job.Attempts.ToString(CultureInfo.InvariantCulture)]) != 0;

    public async Task CompleteAsync(OptimizationJob job, string result, CancellationToken cancellationToken = default) =>
        await FinishAsync(Database, job, await EntryOf(job), JobStatus.Succeeded, error: null, result);

    public async Task FailAsync(OptimizationJob job, string error, CancellationToken cancellationToken = default, bool retry = true)
    {
        var database = Database;
        if (retry && job.Attempts < maxAttempts)
        {
            await RequeueAsync(database, job, error, attemptsDelta: 0);
            return;
        }

        // A job cancelled while its last attempt was failing stays cancelled; its entry is done with either way.
        var entry = await EntryOf(job);
        if ((int)await database.ScriptEvaluateAsync(FailScript, [RedisKeys.Job(job.Id)], [DateTimeOffset.UtcNow.ToString("O"), error]) == 1)
        {
            await ReleaseActiveAsync(database, job);
        }

        if (!entry.IsNullOrEmpty)
        {
            await AcknowledgeAsync(database, entry);
        }
    }

    public Task ReleaseAsync(OptimizationJob job, CancellationToken cancellationToken = default) =>
        RequeueAsync(Database, job, job.Error, attemptsDelta: -1);

    public async Task<OptimizationJob?> CancelAsync(string id, CancellationToken cancellationToken = default)
    {
        var database = Database;
        var job = await GetAsync(id, cancellationToken);
        if (job is null)
        {
            return null;
        }

        if (job.IsCancellable)
        {
            var cancelled = (int)await database.ScriptEvaluateAsync(CancelScript, [RedisKeys.Job(id)], [DateTimeOffset.UtcNow.ToString("O")]) == 1;
            job = await GetAsync(id, cancellationToken) ?? job;
            if (cancelled)
            {
                await ReleaseActiveAsync(database, job);
            }
        }
        else if (job.Status == JobStatus.Cancelled && await EntryOf(job) is { IsNullOrEmpty: false } entry)
        {
            // The worker that ran it stopped: its stream entry is done with.
            await AcknowledgeAsync(database, entry);
        }

        return job;
    }

    public async Task<long> DepthAsync(CancellationToken cancellationToken = default)
    {
        await EnsureGroupAsync();
        return (long)await Database.ScriptEvaluateAsync(DepthScript, [RedisKeys.JobStream], [RedisKeys.ConsumerGroup, 1_000_000]);
    }

    // Acknowledged, the entry is done with: it is deleted, so the stream holds only entries still queued or running.
    private static async Task AcknowledgeAsync(IDatabase database, RedisValue entry)
    {
        await database.StreamAcknowledgeAsync(RedisKeys.JobStream, RedisKeys.ConsumerGroup, entry);
        await database.StreamDeleteAsync(RedisKeys.JobStream, [entry]);
    }

    // A record no worker can run: reported, marked failed (so its id answers why), its key freed, its entry removed.
    private async Task QuarantineAsync(IDatabase database, OptimizationJob job, string problem, RedisValue entry)
    {
        unreadable?.Report(StoreName, "job", RedisKeys.Job(job.Id), problem);
        await database.ScriptEvaluateAsync(QuarantineScript, [RedisKeys.Job(job.Id)], [DateTimeOffset.UtcNow.ToString("O"), job.Error ?? ""]);
        if (job.Key.Length > 0)
        {
            await ReleaseActiveAsync(database, job);
        }

        await AcknowledgeAsync(database, entry);
    }

    private async Task RequeueAsync(IDatabase database, OptimizationJob job, string? error, int attemptsDelta)
    {
        var entry = await EntryOf(job);
        var requeued = (int)await database.ScriptEvaluateAsync(
            RequeueScript,
            [RedisKeys.Job(job.Id)],
            [error ?? "", attemptsDelta.ToString(CultureInfo.InvariantCulture)]) == 1;
        if (requeued)
        {
            await database.StreamAddAsync(RedisKeys.JobStream, "id", job.Id);
        }

        if (!entry.IsNullOrEmpty)
        {
            await AcknowledgeAsync(database, entry);
        }
    }

    private async Task FinishAsync(IDatabase database, OptimizationJob job, RedisValue entry, JobStatus status, string? error, string? result)
    {
        var finished = DateTimeOffset.UtcNow;
        var progress = status == JobStatus.Succeeded ? 1 : job.Progress;
        var written = (int)await database.ScriptEvaluateAsync(
            FinishScript,
            [RedisKeys.Job(job.Id)],
            [status.Name(), finished.ToString("O"), error ?? "", result ?? "", progress.ToString("R", CultureInfo.InvariantCulture)]);
        if (written == 0)
        {
            // The record is gone (Redis restarted empty while the job ran): write it back whole, ended, so its id
            // answers with how the job ended rather than not at all.
            await WriteAsync(database, job with { Status = status, FinishedAt = finished, Error = error, Result = result, Progress = progress });
        }

        if (!entry.IsNullOrEmpty)
        {
            await AcknowledgeAsync(database, entry);
        }

        await ReleaseActiveAsync(database, job);
    }

    // Frees the job's key for new requests, unless another job holds it by now.
    // The client's active jobs. The set may still name jobs that ended; they are read and dropped only when the set
    // has reached the limit, so an enqueue below it costs one SCARD.
    private async Task<long> ActiveOfAsync(IDatabase database, string client)
    {
        var key = RedisKeys.ClientJobs(client);
        var count = await database.SetLengthAsync(key);
        if (count < maxActivePerClient)
        {
            return count;
        }

        foreach (var id in await database.SetMembersAsync(key))
        {
            if (await GetAsync(id!) is not { IsActive: true })
            {
                await database.SetRemoveAsync(key, id);
            }
        }

        return await database.SetLengthAsync(key);
    }

    private static Task ReleaseActiveAsync(IDatabase database, OptimizationJob job) =>
        database.ScriptEvaluateAsync(ReleaseActiveScript, [RedisKeys.ActiveJob(job.Key)], [job.Id]);

    private async Task<RedisValue> EntryOf(OptimizationJob job) => await Database.HashGetAsync(RedisKeys.Job(job.Id), "entry");

    private async Task EnsureGroupAsync()
    {
        if (_groupReady)
        {
            return;
        }

        try
        {
            await Database.StreamCreateConsumerGroupAsync(RedisKeys.JobStream, RedisKeys.ConsumerGroup, "0-0", createStream: true);
        }
        catch (RedisServerException e) when (e.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another instance made it first.
        }

        _groupReady = true;
    }

    private static async Task WriteAsync(IDatabase database, OptimizationJob job)
    {
        var key = RedisKeys.Job(job.Id);
        await database.HashSetAsync(key,
        [
            new HashEntry("id", job.Id),
            new HashEntry("key", job.Key),
            new HashEntry("model", job.Model),
            new HashEntry("solver", job.Solver.Name()),
            new HashEntry("nfe", job.Nfe),
            new HashEntry("mode", job.Mode.Name()),
            new HashEntry("seed", job.Seed),
            new HashEntry("strategy", job.Strategy ?? ""),
            new HashEntry("force", job.Force ? 1 : 0),
            new HashEntry("client", job.Client ?? ""),
            new HashEntry("status", job.Status.Name()),
            new HashEntry("progress", job.Progress.ToString("R", CultureInfo.InvariantCulture)),
            new HashEntry("attempts", job.Attempts),
            new HashEntry("created_at", job.CreatedAt.ToString("O")),
            new HashEntry("started_at", job.StartedAt?.ToString("O") ?? ""),
            new HashEntry("finished_at", job.FinishedAt?.ToString("O") ?? ""),
            new HashEntry("error", job.Error ?? ""),
            new HashEntry("result", job.Result ?? ""),
        ]);
        await database.KeyExpireAsync(key, JobLifetime);
    }

    /// <summary>A job's record as read: the job, and what is wrong with the record when it could not be parsed.</summary>
    private sealed record Record(OptimizationJob Job, string? Problem = null);

    private static Record Parse(string id, Dictionary<string, string> fields)
    {
        string? Optional(string name) => fields.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
        if (Optional("id") is null || Optional("status") is null || Optional("key") is null)
        {
            // A half-written record (older versions wrote progress into a vanished job): report it as lost.
            return new Record(Quarantined(id, fields, null) with
            {
                Error = "the job's record was lost from the store (Redis restarted without its data); request the schedule again",
            });
        }

        try
        {
            return new Record(new OptimizationJob
            {
                Id = fields["id"],
                Key = fields["key"],
                Model = Field(fields, "model", v => v),
                Solver = Field(fields, "solver", v => Solvers.Parse(v)),
                Nfe = Field(fields, "nfe", v => int.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture)),
                Mode = Field(fields, "mode", v => ScheduleModes.ParseRequestMode(v)),
                Seed = Field(fields, "seed", v => int.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture)),
                Strategy = Optional("strategy"),
                Force = Optional("force") == "1",
                Client = Optional("client"),
                Status = Field(fields, "status", v => JobStatuses.Parse(v)),
                Progress = Field(fields, "progress", v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture), "0"),
                Attempts = Field(fields, "attempts", v => int.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture), "0"),
                CreatedAt = Time(fields, "created_at") ?? DateTimeOffset.MinValue,
                StartedAt = Time(fields, "started_at"),
                FinishedAt = Time(fields, "finished_at"),
                Error = Optional("error"),
                Result = Optional("result"),
            });
        }
        catch (UnreadableFieldException e)
        {
            var problem = $"its field {e.Field} holds '{Hosting.EchoedText.Shorten(e.Value, 32)}', which is not a valid value";
            return new Record(Quarantined(id, fields, problem), problem);
        }
    }

    // What a job whose record cannot be parsed reads as: failed, saying why, with what of its key can be read.
    private static OptimizationJob Quarantined(string id, Dictionary<string, string> fields, string? problem)
    {
        string? Optional(string name) => fields.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
        T Lenient<T>(string name, Func<string, T> parse, T fallback)
        {
            try
            {
                return Optional(name) is { } text ? parse(text) : fallback;
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                return fallback;
            }
        }

        return new OptimizationJob
        {
            Id = id,
            Key = Optional("key") ?? "",
            Model = Optional("model") ?? "",
            Solver = Lenient("solver", v => Solvers.Parse(v), SolverKind.UniPc),
            Nfe = Lenient("nfe", v => int.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture), 0),
            Mode = Lenient("mode", v => ScheduleModes.ParseRequestMode(v), ScheduleMode.Selected),
            Seed = Lenient("seed", v => int.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture), ScheduleKey.DefaultSeed),
            Client = Optional("client"),
            Attempts = Lenient("attempts", v => int.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture), 0),
            CreatedAt = Lenient("created_at", v => DateTimeOffset.Parse(v, CultureInfo.InvariantCulture), DateTimeOffset.MinValue),
            Status = JobStatus.Failed,
            Error = problem is null ? null : $"the job's record in the store cannot be read ({problem}), so it was not run; request the schedule again",
        };
    }

    private static T Field<T>(Dictionary<string, string> fields, string name, Func<string, T> parse, string? fallback = null)
    {
        var text = fields.TryGetValue(name, out var value) && value.Length > 0 ? value : fallback;
        try
        {
            return parse(text ?? throw new FormatException("missing"));
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new UnreadableFieldException(name, text ?? "");
        }
    }

    private static DateTimeOffset? Time(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var value) && value.Length > 0 ? Field(fields, name, v => DateTimeOffset.Parse(v, CultureInfo.InvariantCulture)) : null;

    private sealed class UnreadableFieldException(string field, string value) : Exception($"field {field}")
    {
        public string Field { get; } = field;

        public string Value { get; } = value;
    }
}
