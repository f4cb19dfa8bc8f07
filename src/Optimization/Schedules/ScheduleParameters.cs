namespace HsoService.Optimization.Schedules;

/// <summary>The initialisation strategy psi = (rho, eps, T_max) behind a schedule; rho is absent where it does not apply.</summary>
/// <param name="Rho">The power of the time warp (HSO and edm); absent where it does not apply.</param>
/// <param name="Eps">The last time of the schedule before the final step.</param>
/// <param name="TMax">The first (noisiest) time.</param>
public sealed record ScheduleParameters(double? Rho, double Eps, double TMax);
