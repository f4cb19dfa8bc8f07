namespace HsoService.Optimization.Validated;

/// <summary>
/// What a cheap strategy costs on its own, stage by stage, in model evaluations: what a search on a fresh model pays
/// (scores a scorer already knew and a teacher run already made cost nothing, which <see cref="ValidationCost"/> shows).
/// </summary>
/// <param name="Strategy">The strategy that ran: refine, trajectory or teacher.</param>
/// <param name="Teacher">The teacher run (samples x grid points).</param>
/// <param name="TeacherReused">True when the teacher run was made by an earlier search on the model.</param>
/// <param name="Search">The strategy's own measurements (the teacher strategy's matching; none for trajectory).</param>
/// <param name="Confirmation">The families and proposals measured on the confirmation draws.</param>
public sealed record StrategyCost(string Strategy, long Teacher, bool TeacherReused, long Search, long Confirmation)
{
    /// <summary>Teacher, search and confirmation together.</summary>
    public long Total => Teacher + Search + Confirmation;
}
