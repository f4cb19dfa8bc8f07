namespace HsoService.Optimization;

/// <summary>
/// Bad input to the optimizer: <see cref="ArgumentException.ParamName"/> is the field as callers spell it on the wire
/// (<c>nfe</c>, <c>eps</c>, <c>beta_schedule</c>), and <see cref="Message"/> is one sentence saying what was wrong and
/// what is allowed, without .NET's "(Parameter ...)" suffix, so it can be shown to users as it is.
/// </summary>
public class HsoArgumentException(string message, string field) : ArgumentException(message, field)
{
    /// <summary>The message alone.</summary>
    public override string Message { get; } = message;
}
