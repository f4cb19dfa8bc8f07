namespace HsoService.Inference.Evaluation;

/// <summary>
/// What one schedule scored: FD-digits against the real images, RMSE against the reference trajectory's end
/// (same noise, same labels), the share of samples the classifier gives their requested label, and the cost.
/// <paramref name="QuarterFds"/>: FD of each of four consecutive quarters of the samples (empty below 8 samples), from
/// which <see cref="Separation"/> judges whether the sample count can order two schedules.
/// </summary>
public sealed record ScheduleEvaluation(double Fd, double Rmse, double Agreement, int Samples, double Seconds, IReadOnlyList<double> QuarterFds);
