using HsoService.Inference.Onnx;
using HsoService.Optimization.NoiseSchedules;
using Microsoft.ML.OnnxRuntime;

namespace HsoService.Inference.Denoising;

/// <summary>
/// A unet graph (<c>sample</c>, <c>timestep</c> and the model class's conditioning inputs) bound to one batch's
/// conditioning. With classifier-free guidance the unconditional and conditional halves run as one batch of 2B
/// (unconditional first) and are combined by <see cref="ClassifierFreeGuidance"/>; the combined output, of the
/// network's <see cref="PredictionType"/>, is converted to x0 (and eps when asked) here and nowhere else. Inputs and
/// outputs take the element type the graph declares (float32, or float16 converted at the boundary). Buffers and
/// OrtValues are made once per instance, so <see cref="Predict"/> allocates nothing.
/// </summary>
public sealed class UNetDenoiser : IDenoiser, IDisposable
{
    private readonly OnnxGraph _unet;
    private readonly NoiseSchedule _noise;
    private readonly double _guidanceScale;
    private readonly bool _guided;
    private readonly FloatTensor _sample;
    private readonly FloatTensor _output;
    private readonly float[] _combined;
    private readonly TimestepInput _timestep;
    private readonly IDisposable[] _bound;
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    /// <param name="unet">The unet graph.</param>
    /// <param name="noise">The model's noise schedule (for the timestep and the conversion to x0).</param>
    /// <param name="predictionType">What the network outputs.</param>
    /// <param name="batch">Rows B of the batch.</param>
    /// <param name="sampleShape">One sample's shape (C, H, W).</param>
    /// <param name="guidanceScale">Classifier-free guidance scale; 1 runs the conditional half alone.</param>
    /// <param name="conditioning">The class's conditioning inputs, B rows each.</param>
    /// <param name="sampleInput">The noisy-sample input's name: <c>sample</c> (a unet) or <c>hidden_states</c> (a transformer).</param>
    public UNetDenoiser(
        OnnxGraph unet,
        NoiseSchedule noise,
        PredictionType predictionType,
        int batch,
        int[] sampleShape,
        double guidanceScale,
        IReadOnlyList<ConditioningInput> conditioning,
        string sampleInput = "sample")
    {
        ArgumentNullException.ThrowIfNull(unet);
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(conditioning);
        ClassifierFreeGuidance.Validate(guidanceScale);
        _unet = unet;
        _noise = noise;
        _guidanceScale = guidanceScale;
        _guided = ClassifierFreeGuidance.IsActive(guidanceScale);
        PredictionType = predictionType;
        BatchSize = batch;
        SampleSize = sampleShape.Aggregate(1, (a, b) => a * b);

        var rows = _guided ? 2 * batch : batch;
        long[] shape = [rows, .. sampleShape.Select(d => (long)d)];
        _sample = FloatTensor.Input(unet, sampleInput, shape);
        _output = FloatTensor.Output(unet, unet.FirstOutput, shape);
        _combined = _guided ? new float[batch * SampleSize] : [];
        _timestep = new TimestepInput(unet, rows);
        _bound = new IDisposable[conditioning.Count];
        var values = new OrtValue[conditioning.Count];
        for (var i = 0; i < conditioning.Count; i++)
        {
            _bound[i] = conditioning[i].Bind(unet, batch, _guided, out values[i]);
        }

        _inputs = [_sample.Value, _timestep.Value, .. values];
        _inputNames = [sampleInput, _timestep.Name, .. conditioning.Select(c => c.Name)];
        _outputNames = [unet.FirstOutput];
        _outputs = [_output.Value];
    }

    /// <summary>What the network outputs (converted to x0 inside <see cref="Predict"/>).</summary>
    public PredictionType PredictionType { get; }

    public int BatchSize { get; }

    public int SampleSize { get; }

    public bool DiscreteTime => _timestep.IsDiscrete;

    public void Predict(ReadOnlySpan<float> x, double t, Span<float> data, Span<float> noise)
    {
        x.CopyTo(_sample.Values);
        if (_guided)
        {
            x.CopyTo(_sample.Values.AsSpan(x.Length));
        }

        _sample.ToGraph();
        _timestep.Set(_noise, t);
        _unet.Run(_inputNames, _inputs, _outputNames, _outputs);
        _output.FromGraph();
        ReadOnlySpan<float> output = _output.Values.AsSpan(0, x.Length);
        if (_guided)
        {
            ClassifierFreeGuidance.Combine(output, _output.Values.AsSpan(x.Length, x.Length), _guidanceScale, _combined);
            output = _combined;
        }

        var (alpha, sigma) = (_noise.Alpha(t), _noise.Sigma(t));
        PredictionConversion.ToData(PredictionType, output, x, alpha, sigma, data);
        if (!noise.IsEmpty)
        {
            PredictionConversion.ToNoise(PredictionType, output, x, alpha, sigma, noise);
        }
    }

    public void Dispose()
    {
        _sample.Dispose();
        _output.Dispose();
        _timestep.Dispose();
        foreach (var bound in _bound)
        {
            bound.Dispose();
        }
    }
}
