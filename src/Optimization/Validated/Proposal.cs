namespace HsoService.Optimization.Validated;

/// <summary>What a cheap strategy proposes for confirmation, and what finding it cost.</summary>
/// <param name="Strategy">The strategy that ran.</param>
/// <param name="Schedules">The proposed schedules (usually one), by origin.</param>
/// <param name="TeacherEvaluations">Model evaluations of the teacher run the strategy learned from (charged whether it ran now or was reused).</param>
/// <param name="TeacherReused">True when the teacher run was computed by an earlier search on the model and cost nothing now.</param>
/// <param name="SearchEvaluations">Model evaluations the strategy spent beyond the teacher run.</param>
/// <param name="Seconds">Wall time of the proposal stage.</param>
/// <param name="Seed">Seed of sample 0 of the samples the strategy learned from: the teacher run's, or refine's search draw.</param>
/// <param name="SamplesUsed">How many samples those were.</param>
/// <param name="Measured">Schedules the strategy measured to find its proposal (none for the dynamic program).</param>
public sealed record Proposal(
    ValidatedStrategy Strategy,
    IReadOnlyList<NamedTimes> Schedules,
    long TeacherEvaluations,
    bool TeacherReused,
    long SearchEvaluations,
    double Seconds,
    long Seed = 0,
    int SamplesUsed = 0,
    int Measured = 0);
