using HsoService.Inference.Onnx;
using HsoService.Optimization.NoiseSchedules;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Inference.Denoising;

/// <summary>
/// A class-conditional pixel unet (inputs <c>sample</c> [B,C,H,W], <c>timestep</c>, <c>class_labels</c> int64 [B])
/// bound to one batch of labels. With guidance the unconditional half (the null label) and the conditional half run as
/// one batch of 2B and are combined by <see cref="ClassifierFreeGuidance"/>. Buffers and OrtValues are made once per
/// instance, so <see cref="Predict"/> allocates nothing.
/// </summary>
public sealed class PixelUNetDenoiser : IDenoiser, IDisposable
{
    private readonly OnnxGraph _unet;
    private readonly NoiseSchedule _noise;
    private readonly double _guidanceScale;
    private readonly bool _guided;
    private readonly float[] _sample;
    private readonly float[] _output;
    private readonly TimestepInput _timestep;
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    public PixelUNetDenoiser(OnnxGraph unet, NoiseSchedule noise, PredictionType predictionType, IReadOnlyList<int> labels, int nullLabel, double guidanceScale, int channels, int size)
    {
        ClassifierFreeGuidance.Validate(guidanceScale);
        _unet = unet;
        _noise = noise;
        _guidanceScale = guidanceScale;
        _guided = ClassifierFreeGuidance.IsActive(guidanceScale);
        PredictionType = predictionType;
        BatchSize = labels.Count;
        SampleSize = channels * size * size;
        unet.RequireType("sample", TensorElementType.Float);
        unet.RequireType("class_labels", TensorElementType.Int64);

        var rows = _guided ? 2 * BatchSize : BatchSize;
        _sample = new float[rows * SampleSize];
        _output = new float[rows * SampleSize];
        var classLabels = new long[rows];
        for (var i = 0; i < BatchSize; i++)
        {
            if (_guided)
            {
                classLabels[i] = nullLabel;
                classLabels[BatchSize + i] = labels[i];
            }
            else
            {
                classLabels[i] = labels[i];
            }
        }

        _timestep = new TimestepInput(unet, rows);
        long[] shape = [rows, channels, size, size];
        _inputs = [OrtValue.CreateTensorValueFromMemory(_sample, shape), _timestep.Value, OrtValue.CreateTensorValueFromMemory(classLabels, [rows])];
        _inputNames = ["sample", _timestep.Name, "class_labels"];
        _outputNames = [unet.FirstOutput];
        _outputs = [OrtValue.CreateTensorValueFromMemory(_output, shape)];
    }

    public PredictionType PredictionType { get; }

    public int BatchSize { get; }

    public int SampleSize { get; }

    public bool DiscreteTime => _timestep.IsDiscrete;

    public void Predict(ReadOnlySpan<float> x, double t, Span<float> output)
    {
        x.CopyTo(_sample);
        if (_guided)
        {
            x.CopyTo(_sample.AsSpan(x.Length));
        }

        _timestep.Set(_noise, t);
        _unet.Run(_inputNames, _inputs, _outputNames, _outputs);
        if (_guided)
        {
            ClassifierFreeGuidance.Combine(_output.AsSpan(0, x.Length), _output.AsSpan(x.Length, x.Length), _guidanceScale, output);
        }
        else
        {
            _output.AsSpan(0, x.Length).CopyTo(output);
        }
    }

    public void Dispose()
    {
        _inputs[0].Dispose();
        _inputs[2].Dispose();
        _outputs[0].Dispose();
        _timestep.Dispose();
    }
}
