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
    private readonly ILatentPacking? _packing;
    private readonly double _timestepScale;
    private readonly float[] _unpacked;

    /// <param name="unet">The unet graph.</param>
    /// <param name="noise">The model's noise schedule (for the timestep and the conversion to x0).</param>
    /// <param name="predictionType">What the network outputs.</param>
    /// <param name="batch">Rows B of the batch.</param>
    /// <param name="sampleShape">One sample's shape (C, H, W).</param>
    /// <param name="guidanceScale">Classifier-free guidance scale; 1 runs the conditional half alone.</param>
    /// <param name="conditioning">The class's conditioning inputs, B rows each.</param>
    /// <param name="network">How the network takes its sample and time (input name, packing, timestep scale); a unet's by default.</param>
    public UNetDenoiser(
        OnnxGraph unet,
        NoiseSchedule noise,
        PredictionType predictionType,
        int batch,
        int[] sampleShape,
        double guidanceScale,
        IReadOnlyList<ConditioningInput> conditioning,
        NetworkBinding? network = null)
    {
        network ??= NetworkBinding.Unet;
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
        _packing = network.Packing;
        _timestepScale = network.TimestepScale;
        long[] shape = _packing is null ? [rows, .. sampleShape.Select(d => (long)d)] : [rows, .. _packing.PackedShape];
        _sample = FloatTensor.Input(unet, network.SampleInput, shape);
        _unpacked = _packing is null ? [] : new float[rows * SampleSize];
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
        _inputNames = [network.SampleInput, _timestep.Name, .. conditioning.Select(c => c.Name)];
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
        var halves = _guided ? 2 : 1;
        for (var half = 0; half < halves; half++)
        {
            var target = _sample.Values.AsSpan(half * x.Length, x.Length);
            if (_packing is null)
            {
                x.CopyTo(target);
            }
            else
            {
                _packing.Pack(x, target, BatchSize);
            }
        }

        _sample.ToGraph();
        _timestep.Set(_noise, t, _timestepScale);
        _unet.Run(_inputNames, _inputs, _outputNames, _outputs);
        _output.FromGraph();
        ReadOnlySpan<float> all = _output.Values;
        if (_packing is not null)
        {
            for (var half = 0; half < halves; half++)
            {
                _packing.Unpack(_output.Values.AsSpan(half * x.Length, x.Length), _unpacked.AsSpan(half * x.Length, x.Length), BatchSize);
            }

            all = _unpacked;
        }

        ReadOnlySpan<float> output = all[..x.Length];
        if (_guided)
        {
            ClassifierFreeGuidance.Combine(output, all.Slice(x.Length, x.Length), _guidanceScale, _combined);
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
