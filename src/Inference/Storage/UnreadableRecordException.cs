namespace HsoService.Inference.Storage;

/// <summary>
/// A record the store holds cannot be used: its value does not parse, or it is not what its key says (another solver,
/// NFE, mode or model). The store's fault, never the client's: the record is treated as missing and reported
/// (the service logs it once per key).
/// </summary>
public sealed class UnreadableRecordException(string key, string reason) : Exception($"the stored record {key} is unreadable: {reason}")
{
    public string Key { get; } = key;

    public string Reason { get; } = reason;
}
