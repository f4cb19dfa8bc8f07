namespace HsoService.Optimization.Schedules;

/// <summary>The initialisation strategy psi = (rho, eps, T_max) behind a schedule; rho is absent where it does not apply.</summary>
public sealed record ScheduleParameters(double? Rho, double Eps, double TMax);
