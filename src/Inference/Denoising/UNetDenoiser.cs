using HsoService.Inference.Onnx;
using HsoService.Optimization.NoiseSchedules;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Inference.Denoising;

/// <summary>
/// A unet graph (inputs <c>sample</c>, <c>timestep</c> and one conditioning input) bound to one batch's conditioning:
/// class labels for pixel models (<see cref="ForClassLabels"/>), text embeddings for Stable Diffusion
/// (<see cref="ForTextEmbeddings"/>). With classifier-free guidance the unconditional and conditional halves run as
/// one batch of 2B (unconditional first) and are combined by <see cref="ClassifierFreeGuidance"/>. Buffers and
/// OrtValues are made once per instance, so <see cref="Predict"/> allocates nothing.
/// </summary>
public sealed class UNetDenoiser : IDenoiser, IDisposable
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

    private UNetDenoiser(
        OnnxGraph unet,
        NoiseSchedule noise,
        PredictionType predictionType,
        int batch,
        int[] sampleShape,
        double guidanceScale,
        string conditioningName,
        Func<int, OrtValue> conditioning)
    {
        ClassifierFreeGuidance.Validate(guidanceScale);
        unet.RequireType("sample", TensorElementType.Float);
        _unet = unet;
        _noise = noise;
        _guidanceScale = guidanceScale;
        _guided = ClassifierFreeGuidance.IsActive(guidanceScale);
        PredictionType = predictionType;
        BatchSize = batch;
        SampleSize = sampleShape.Aggregate(1, (a, b) => a * b);

        var rows = _guided ? 2 * batch : batch;
        _sample = new float[rows * SampleSize];
        _output = new float[rows * SampleSize];
        _timestep = new TimestepInput(unet, rows);
        long[] shape = [rows, .. sampleShape.Select(d => (long)d)];
        _inputs = [OrtValue.CreateTensorValueFromMemory(_sample, shape), _timestep.Value, conditioning(rows)];
        _inputNames = ["sample", _timestep.Name, conditioningName];
        _outputNames = [unet.FirstOutput];
        _outputs = [OrtValue.CreateTensorValueFromMemory(_output, shape)];
    }

    /// <summary>A class-conditional unet (<c>class_labels</c> int64 [B]); <paramref name="nullLabel"/> is the unconditional label.</summary>
    public static UNetDenoiser ForClassLabels(
        OnnxGraph unet, NoiseSchedule noise, PredictionType predictionType, IReadOnlyList<int> labels, int nullLabel, double guidanceScale, int[] sampleShape)
    {
        unet.RequireType("class_labels", TensorElementType.Int64);
        return new UNetDenoiser(unet, noise, predictionType, labels.Count, sampleShape, guidanceScale, "class_labels", rows =>
        {
            var values = new long[rows];
            var offset = rows - labels.Count;
            for (var i = 0; i < labels.Count; i++)
            {
                values[offset + i] = labels[i];
                if (offset > 0)
                {
                    values[i] = nullLabel;
                }
            }

            return OrtValue.CreateTensorValueFromMemory(values, [rows]);
        });
    }

    /// <summary>
    /// A text-conditional unet (<c>encoder_hidden_states</c> [B, tokens, width]) with per-image embeddings; the
    /// unconditional embeddings (the negative prompt) are used only when guidance is active.
    /// </summary>
    public static UNetDenoiser ForTextEmbeddings(
        OnnxGraph unet,
        NoiseSchedule noise,
        PredictionType predictionType,
        IReadOnlyList<float[]> conditional,
        IReadOnlyList<float[]> unconditional,
        int tokens,
        int width,
        double guidanceScale,
        int[] sampleShape)
    {
        unet.RequireType("encoder_hidden_states", TensorElementType.Float);
        var batch = conditional.Count;
        return new UNetDenoiser(unet, noise, predictionType, batch, sampleShape, guidanceScale, "encoder_hidden_states", rows =>
        {
            // One embedding per image: the unconditional ones first when guided, as the sample rows are laid out.
            var perImage = tokens * width;
            var values = new float[rows * perImage];
            var offset = (rows - batch) * perImage;
            for (var i = 0; i < batch; i++)
            {
                conditional[i].CopyTo(values, offset + i * perImage);
                if (offset > 0)
                {
                    unconditional[i].CopyTo(values, i * perImage);
                }
            }

            return OrtValue.CreateTensorValueFromMemory(values, [rows, tokens, width]);
        });
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
