namespace HsoService.Inference.Denoising;

/// <summary>
/// A denoiser that passes every evaluation through and hands the evaluated states and their data predictions to a
/// callback, numbered from 0: how a teacher trajectory is recorded without a sampler of its own.
/// </summary>
public sealed class RecordingDenoiser(IDenoiser inner, Action<int, float[], float[]> onPoint) : IDenoiser
{
    private readonly float[] _states = new float[inner.BatchSize * inner.SampleSize];
    private readonly float[] _data = new float[inner.BatchSize * inner.SampleSize];
    private int _points;

    public int BatchSize => inner.BatchSize;

    public int SampleSize => inner.SampleSize;

    public bool DiscreteTime => inner.DiscreteTime;

    public void Predict(ReadOnlySpan<float> x, double t, Span<float> data, Span<float> noise)
    {
        inner.Predict(x, t, data, noise);
        x.CopyTo(_states);
        data.CopyTo(_data);
        onPoint(_points++, _states, _data);
    }
}
