namespace HsoService.Optimization.Validated;

/// <summary>What a cheap strategy proposes for confirmation, and what finding it cost.</summary>
/// <param name="Strategy">The strategy that ran.</param>
/// <param name="Schedules">The proposed schedules (usually one), by origin.</param>
/// <param name="TeacherEvaluations">Model evaluations of the teacher run the strategy learned from (charged whether it ran now or was reused).</param>
/// <param name="TeacherReused">True when the teacher run was computed by an earlier search on the model and cost nothing now.</param>
/// <param name="SearchEvaluations">Model evaluations the strategy spent beyond the teacher run.</param>
/// <param name="Seconds">Wall time of the proposal stage.</param>
public sealed record Proposal(
    ValidatedStrategy Strategy,
    IReadOnlyList<NamedTimes> Schedules,
    long TeacherEvaluations,
    bool TeacherReused,
    long SearchEvaluations,
    double Seconds);
