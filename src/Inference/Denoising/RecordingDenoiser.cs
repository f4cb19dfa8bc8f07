using HsoService.Optimization.NoiseSchedules;

namespace HsoService.Inference.Denoising;

/// <summary>
/// A denoiser that passes every evaluation through and hands the evaluated states and their data predictions to a
/// callback, numbered from 0: how a teacher trajectory is recorded without a sampler of its own.
/// </summary>
public sealed class RecordingDenoiser(IDenoiser inner, NoiseSchedule noise, Action<int, float[], float[]> onPoint) : IDenoiser
{
    private readonly float[] _states = new float[inner.BatchSize * inner.SampleSize];
    private readonly float[] _data = new float[inner.BatchSize * inner.SampleSize];
    private int _points;

    public PredictionType PredictionType => inner.PredictionType;

    public int BatchSize => inner.BatchSize;

    public int SampleSize => inner.SampleSize;

    public bool DiscreteTime => inner.DiscreteTime;

    public void Predict(ReadOnlySpan<float> x, double t, Span<float> output)
    {
        inner.Predict(x, t, output);
        x.CopyTo(_states);
        PredictionConversion.ToData(inner.PredictionType, output, x, noise.Alpha(t), noise.Sigma(t), _data);
        onPoint(_points++, _states, _data);
    }
}
