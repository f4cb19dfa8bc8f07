using System.Numerics.Tensors;
using HsoService.Inference.Denoising;
using HsoService.Inference.Models;
using HsoService.Inference.Noise;
using HsoService.Inference.Onnx;
using HsoService.Optimization;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Pipelines;

/// <summary>
/// The model-class contract: what every loaded model offers, whatever its class. A class says what conditioning it
/// takes (<see cref="Defaults"/>, <see cref="ParseConditioning"/>), encodes it into the unet's inputs
/// (<see cref="Encode"/>), names its latent layout (<see cref="LatentShape"/>) and decodes latents into images
/// (<see cref="Decode"/>), and draws its calibration samples (<see cref="CalibrationConditioning"/>). The recipe
/// itself is shared: noise from the seeds (or the request's latents), a solver over the schedule with the class's
/// denoiser, in chunks of at most <see cref="MaxBatch"/> images, then the decoder. The graphs are opened once and
/// shared; each call binds its own buffers, so calls may run concurrently.
/// </summary>
public abstract class DiffusionPipeline : IDisposable
{
    /// <param name="network">The denoising network's component folder: <c>unet</c>, or <c>transformer</c> (SD3, Flux).</param>
    /// <param name="sampleInput">The network's noisy-sample input: <c>sample</c> for a unet, <c>hidden_states</c> for a transformer.</param>
    protected DiffusionPipeline(ModelFolder folder, string className, OnnxSessionFactory sessions, string network = "unet", string sampleInput = "sample")
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(sessions);
        Folder = folder;
        ClassName = className;
        Noise = NoiseSchedule.FromConfig(folder.Scheduler);
        PredictionType = PredictionTypes.Parse(folder.Scheduler.PredictionType);
        MaxBatch = sessions.Options.MaxBatch >= 1
            ? sessions.Options.MaxBatch
            : throw new HsoArgumentException($"Onnx:MaxBatch must be at least 1, got {sessions.Options.MaxBatch}", "Onnx:MaxBatch");
        Network = network;
        SampleInput = sampleInput;
        UnetPath = folder.Require(network, "model.onnx");
        Unet = sessions.Open(UnetPath, $"{network}/model.onnx");
        Unet.RequireType(sampleInput, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16);
        using var probe = new TimestepInput(Unet, 1);
        DiscreteTime = probe.IsDiscrete;
    }

    public ModelFolder Folder { get; }

    /// <summary>The model class's wire name (<c>class_conditional_pixel</c>, <c>stable_diffusion</c>, ...).</summary>
    public string ClassName { get; }

    public NoiseSchedule Noise { get; }

    /// <summary>What the unet outputs; converted to x0 once, in the denoiser.</summary>
    public PredictionType PredictionType { get; }

    /// <summary>The denoising network's component folder (<c>unet</c> or <c>transformer</c>).</summary>
    public string Network { get; }

    /// <summary>The network's noisy-sample input (<c>sample</c> or <c>hidden_states</c>).</summary>
    public string SampleInput { get; }

    /// <summary>The denoising network's file (the unet, or a transformer).</summary>
    public string UnetPath { get; }

    /// <summary>The shared unet graph, for callers that build their own denoisers or time raw runs.</summary>
    public OnnxGraph Unet { get; }

    /// <summary>The execution provider the unet runs on.</summary>
    public ExecutionProvider Provider => Unet.Provider;

    /// <summary>True when the unet takes only trained integer timesteps.</summary>
    public bool DiscreteTime { get; }

    /// <summary>Largest batch sent to the unet at once (<see cref="OnnxOptions.MaxBatch"/>); larger requests run in chunks.</summary>
    public int MaxBatch { get; }

    /// <summary>The conditioning fields this class takes and its defaults.</summary>
    public abstract ModelClassDefaults Defaults { get; }

    /// <summary>The folder's feature extractor when the pipeline has it open already (pixel models), or null.</summary>
    public virtual ImageClassifier? Classifier => null;

    /// <summary>
    /// The request's fields as this class takes them; throws naming the field for one it does not take or a value it
    /// cannot use, and fills in its defaults (size).
    /// </summary>
    public ImageConditioning ParseConditioning(ConditioningFields fields, string? model = null)
    {
        ArgumentNullException.ThrowIfNull(fields);
        foreach (var field in fields.Present())
        {
            if (!Defaults.Fields.Contains(field))
            {
                throw new HsoArgumentException($"{field} does not apply to {(model is null ? "this model" : $"'{model}'")}, {Defaults.Description}; it takes {Defaults.Takes}", field);
            }
        }

        return Parse(fields);
    }

    /// <summary>The class's own parse of fields it takes (every other field is already refused).</summary>
    protected abstract ImageConditioning Parse(ConditioningFields fields);

    /// <summary>The latent layout of one sample (C, h, w) at the conditioning's size: what the sampler integrates.</summary>
    public abstract int[] LatentShape(ImageConditioning conditioning);

    /// <summary>The decoded image of one sample (C, H, W) at the conditioning's size.</summary>
    public abstract int[] ImageShape(ImageConditioning conditioning);

    /// <summary>
    /// The network's conditioning inputs for these rows (one conditioning per row, neighbours often the same object);
    /// <paramref name="guidanceScale"/> is the request's, for a class that feeds it to the network (Flux).
    /// </summary>
    protected abstract IReadOnlyList<ConditioningInput> Encode(IReadOnlyList<ImageConditioning> rows, bool guided, double guidanceScale);

    /// <summary>
    /// True when guidance_scale is classifier-free guidance (an unconditional half per batch); false for a
    /// guidance-distilled network that takes the scale as an input instead (Flux).
    /// </summary>
    public virtual bool ClassifierFreeGuided => true;

    /// <summary>How the network takes the latents at this size: the latent layout itself (null) or packed into tokens (Flux).</summary>
    protected virtual ILatentPacking? Packing(ImageConditioning conditioning) => null;

    /// <summary>The network's timestep is the schedule's model time times this (1; Flux's transformer takes s, not 1000 s).</summary>
    protected virtual double TimestepScale => 1.0;

    /// <summary>
    /// What the model's own <c>default</c> schedule needs from the request: a flow pipeline that shifts by resolution
    /// gives the image's token count (and whether it passes linspace sigmas itself); others nothing.
    /// </summary>
    public Optimization.Families.FamilyOptions ScheduleOptions(ImageConditioning conditioning)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        return ScheduleOptions(conditioning.Width, conditioning.Height);
    }

    /// <summary>What the model's own <c>default</c> schedule needs at an image size (see the overload).</summary>
    public virtual Optimization.Families.FamilyOptions ScheduleOptions(int width, int height) => new();

    /// <summary>Decodes <paramref name="count"/> final latents into images in [-1, 1] (count x ImageShape values).</summary>
    public abstract float[] Decode(float[] latents, int count, ImageConditioning conditioning);

    /// <summary>Calibration sample <paramref name="index"/>'s conditioning, at the model's default size.</summary>
    public abstract ImageConditioning CalibrationConditioning(int index);

    /// <summary>Text that identifies the calibration conditioning, for cache keys.</summary>
    public abstract string CalibrationDescription { get; }

    /// <summary>The guidance scale of calibration samples.</summary>
    public virtual double CalibrationGuidance => 1.0;

    /// <summary>Copies of one image's latents a run holds: noise, the sampler's state and history, the unet's input and output (twice under guidance).</summary>
    public const int LatentCopies = 14;

    /// <summary>Copies of one decoded image a run and its answer hold: the decoder's output, the batch's and the request's images, the PNG's pixels.</summary>
    public const int ImageCopies = 4;

    /// <summary>
    /// Bytes the request's tensors take while it runs, at its size: <see cref="LatentCopies"/> float32 latents and
    /// <see cref="ImageCopies"/> float32 images per image. What the generation memory budget counts; the networks'
    /// own activations are bounded apart from it (the unet runs at most <see cref="MaxBatch"/> images at once, the
    /// decoders one image at a time).
    /// </summary>
    public long WorkingBytes(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        long latent = LatentShape(request.Conditioning).Aggregate(1L, (a, b) => a * b);
        long image = ImageShape(request.Conditioning).Aggregate(1L, (a, b) => a * b);
        return request.Count * sizeof(float) * ((latent * LatentCopies) + (image * ImageCopies));
    }

    /// <summary>Throws naming the field unless the request can be sampled by this model.</summary>
    public void Validate(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ClassifierFreeGuidance.Validate(request.GuidanceScale);
        if (request.Count < 1)
        {
            throw new HsoArgumentException("at least one image must be requested", "n");
        }

        ValidateConditioning(request.Conditioning);
        if (request.Latents is { } latents)
        {
            var shape = LatentShape(request.Conditioning);
            var expected = (long)request.Count * shape.Aggregate(1, (a, b) => a * b);
            if (latents.Length != expected)
            {
                throw new HsoArgumentException(
                    $"latents must hold n x {string.Join(" x ", shape)} = {expected} float32 values ([{request.Count}, {string.Join(", ", shape)}]), got {latents.Length}", "latents");
            }

            if (latents.Any(v => !float.IsFinite(v)))
            {
                throw new HsoArgumentException("latents must be finite numbers", "latents");
            }
        }

        SamplingRun.Validate(Noise, request.Solver, request.Times);
    }

    /// <summary>Throws unless the conditioning is this class's and within its limits.</summary>
    protected abstract void ValidateConditioning(ImageConditioning conditioning);

    /// <summary>Generates the request's images (Count x ImageShape values in [-1, 1]).</summary>
    public float[] Generate(GenerationRequest request, Action<int>? onStep = null, CancellationToken cancellationToken = default) =>
        GenerateBatch([request], onStep, cancellationToken)[0];

    /// <summary>
    /// Samples several requests that share a <see cref="GenerationRequest.Shape"/> as one batch (rows concatenated, up
    /// to <see cref="MaxBatch"/> per unet run), each keeping its conditioning and seeds; returns each request's images
    /// as <see cref="Generate"/> would. A row's noise, conditioning and arithmetic do not depend on its neighbours, so
    /// each request's images are the ones it gets alone. <paramref name="onStep"/> receives the number of model
    /// evaluations done so far in this call.
    /// </summary>
    public float[][] GenerateBatch(IReadOnlyList<GenerationRequest> requests, Action<int>? onStep = null, CancellationToken cancellationToken = default) =>
        Sample(requests, decode: true, onStep, cancellationToken, null);

    /// <summary>The final latents of each request, before decoding (what diffusers' <c>output_type="latent"</c> returns).</summary>
    public float[][] SampleLatents(IReadOnlyList<GenerationRequest> requests, Action<int>? onStep = null, CancellationToken cancellationToken = default) =>
        Sample(requests, decode: false, onStep, cancellationToken, null);

    /// <summary>
    /// Samples the requests with DDIM over their times (snapped to the trained steps for an integer-timestep network) to
    /// sigma = 0, handing every evaluated point to <paramref name="onPoint"/>: the point's index, the first row of the
    /// chunk, the chunk's states and its data predictions there (row-major, valid during the call only). The teacher
    /// trajectories of the model-aware strategies are made this way. Returns the images, as <see cref="GenerateBatch"/> would.
    /// </summary>
    public float[][] Trace(IReadOnlyList<GenerationRequest> requests, Action<int, int, float[], float[]> onPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(onPoint);
        var ddim = requests.Select(r => r with { Solver = SolverKind.Ddim, FinalStep = FinalStep.ToZero }).ToList();
        return Sample(ddim, decode: true, null, cancellationToken, (first, denoiser) => new RecordingDenoiser(denoiser, (point, states, data) => onPoint(point, first, states, data)));
    }

    // wrap: what the sampler sees instead of a chunk's denoiser, given the chunk's first row (a teacher run's recorder).
    private float[][] Sample(IReadOnlyList<GenerationRequest> requests, bool decode, Action<int>? onStep, CancellationToken cancellationToken, Func<int, IDenoiser, IDenoiser>? wrap)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var first = requests.Count > 0 ? requests[0] : throw new ArgumentException("at least one request is needed", nameof(requests));
        var shape = first.Shape;
        foreach (var request in requests)
        {
            Validate(request);
            if (request.Shape != shape)
            {
                throw new ArgumentException("a batch's requests must share solver, schedule, size, guidance scale and final step", nameof(requests));
            }
        }

        var latentShape = LatentShape(first.Conditioning);
        var latentSize = latentShape.Aggregate(1, (a, b) => a * b);
        var outputSize = decode ? ImageShape(first.Conditioning).Aggregate(1, (a, b) => a * b) : latentSize;
        var rows = requests.SelectMany(r => Enumerable.Range(0, r.Count).Select(i => (Request: r, Index: i))).ToArray();
        var outputs = new float[rows.Length * outputSize];
        var guided = ClassifierFreeGuided && ClassifierFreeGuidance.IsActive(first.GuidanceScale);
        var evaluations = 0;
        for (var start = 0; start < rows.Length; start += MaxBatch)
        {
            var batch = Math.Min(MaxBatch, rows.Length - start);
            var x = new float[batch * latentSize];
            for (var i = 0; i < batch; i++)
            {
                var (request, index) = rows[start + i];
                var row = x.AsSpan(i * latentSize, latentSize);
                if (request.Latents is { } given)
                {
                    given.AsSpan(index * latentSize, latentSize).CopyTo(row);
                }
                else
                {
                    GaussianNoise.Fill(request.Seed + index, row);
                }

                if (Noise.IsFlow)
                {
                    // A flow's state at s is (1 - s) x0 + s eps: noise enters scaled by sigma(s_0) (1 at diffusers' s_0 = 1),
                    // so a schedule that starts below pure noise (HSO's T_max < 1) starts from its marginal's scale.
                    TensorPrimitives.Multiply(row, (float)Noise.Sigma(first.Times[0]), row);
                }
            }

            var conditioning = rows[start..(start + batch)].Select(r => r.Request.Conditioning).ToArray();
            var network = new NetworkBinding(SampleInput, Packing(first.Conditioning), TimestepScale);
            using (var denoiser = new UNetDenoiser(Unet, Noise, PredictionType, batch, latentShape, guided ? first.GuidanceScale : 1.0, Encode(conditioning, guided, first.GuidanceScale), network))
            {
                SamplingRun.Run(first.Solver, wrap?.Invoke(start, denoiser) ?? denoiser, Noise, first.Times, x, _ => onStep?.Invoke(++evaluations), cancellationToken, first.FinalStep);
            }

            var output = decode ? Decode(x, batch, first.Conditioning) : x;
            output.CopyTo(outputs, start * outputSize);
        }

        var offset = 0;
        return [.. requests.Select(request =>
        {
            var part = outputs.AsSpan(offset, request.Count * outputSize).ToArray();
            offset += part.Length;
            return part;
        })];
    }

    /// <summary>Images clipped to [-1, 1] in place, as every class returns them.</summary>
    protected static float[] Clip(float[] images)
    {
        TensorPrimitives.Clamp(images, -1f, 1f, images);
        return images;
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Unet.Dispose();
        }
    }
}
