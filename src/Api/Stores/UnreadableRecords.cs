using HsoService.Api.Telemetry;

namespace HsoService.Api.Stores;

/// <summary>
/// Where the stores report a record they skipped because it could not be read (a corrupt schedule, a poisoned job hash,
/// an unreadable journal file): a warning in the log naming the store, the record and why, and the metric
/// <c>hso.store.unreadable_records</c> by store and kind.
/// </summary>
public sealed class UnreadableRecords(ILogger<UnreadableRecords> logger, HsoTelemetry telemetry)
{
    public void Report(string store, string kind, string record, string reason)
    {
        logger.LogWarning("Unreadable {Kind} record {Record} in the {Store} store skipped: {Reason}", kind, record, store, reason);
        telemetry.UnreadableRecords.Add(1, new KeyValuePair<string, object?>("store", store), new KeyValuePair<string, object?>("kind", kind));
    }
}
