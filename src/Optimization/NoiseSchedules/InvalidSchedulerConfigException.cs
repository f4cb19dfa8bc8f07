namespace HsoService.Optimization.NoiseSchedules;

/// <summary>
/// A diffusers <c>scheduler_config.json</c> that cannot define a noise schedule. <see cref="ArgumentException.ParamName"/>
/// is the offending JSON field (for example <c>beta_schedule</c>), and the message says what value was seen and what is allowed.
/// </summary>
public sealed class InvalidSchedulerConfigException(string field, string message)
    : HsoArgumentException($"scheduler config field '{field}': {message}", field);
