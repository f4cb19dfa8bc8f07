using HsoService.Optimization;
using HsoService.Inference.Denoising;
using HsoService.Inference.Models;
using HsoService.Inference.Noise;
using HsoService.Inference.Onnx;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Pipelines;

/// <summary>
/// Class-conditional pixel-space diffusion (digits16-ddpm): noise from the seed, a solver over the schedule with the
/// unet (and classifier-free guidance when the scale is not 1), images in [-1, 1]. The graphs are opened once and
/// shared; each call binds its own buffers, so calls may run concurrently.
/// </summary>
public sealed class PixelDiffusionPipeline : DiffusionPipeline
{
    /// <summary>Largest batch sent to the unet at once (<see cref="OnnxOptions.MaxBatch"/>); larger requests run in chunks.</summary>
    public int MaxBatch { get; }

    public PixelDiffusionPipeline(ModelFolder folder, OnnxSessionFactory sessions)
        : base(folder, PipelineKind.ClassConditionalPixel, sessions, "class_labels", Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int64)
    {
        MaxBatch = sessions.Options.MaxBatch >= 1
            ? sessions.Options.MaxBatch
            : throw new HsoArgumentException($"Onnx:MaxBatch must be at least 1, got {sessions.Options.MaxBatch}", "Onnx:MaxBatch");
        Classifier = folder.ClassifierPath is null ? null : new ImageClassifier(sessions.Open(folder.ClassifierPath, "classifier/model.onnx"), folder.Channels, folder.SampleSize);
    }

    /// <summary>The folder's classifier / feature extractor, or null.</summary>
    public ImageClassifier? Classifier { get; }

    /// <summary>Elements per image (C x H x W).</summary>
    public int ImageSize => Folder.Channels * Folder.SampleSize * Folder.SampleSize;

    /// <summary>
    /// Generates one image per label; returns N x C x H x W values clipped to [-1, 1].
    /// <paramref name="onStep"/> receives the number of model evaluations done so far in this call.
    /// </summary>
    public float[] Generate(PixelGenerationRequest request, Action<int>? onStep = null, CancellationToken cancellationToken = default) =>
        GenerateBatch([request], onStep, cancellationToken)[0];

    /// <summary>
    /// Samples several requests that share a solver, schedule, guidance scale and final step as one batch (rows
    /// concatenated, up to <see cref="MaxBatch"/> per unet run), each keeping its labels and seeds; returns each
    /// request's images as <see cref="Generate"/> would. A row's noise, label and arithmetic do not depend on its
    /// neighbours, so each request's images are the ones it gets alone.
    /// </summary>
    public float[][] GenerateBatch(IReadOnlyList<PixelGenerationRequest> requests, Action<int>? onStep = null, CancellationToken cancellationToken = default) =>
        Sample(requests, onStep, cancellationToken);

    // wrap: what the sampler sees instead of a chunk's denoiser, given the chunk's first row (a teacher run's recorder).
    private float[][] Sample(IReadOnlyList<PixelGenerationRequest> requests, Action<int>? onStep, CancellationToken cancellationToken, Func<int, IDenoiser, IDenoiser>? wrap = null)
    {
        var first = SharedShape(requests, Validate, r => r.Shape, "solver, schedule, guidance scale and final step");
        var labels = requests.SelectMany(r => r.Labels.Select(label => label ?? Folder.NullClassLabel)).ToArray();
        var seeds = requests.SelectMany(r => Enumerable.Range(0, r.Labels.Count).Select(i => r.Seed + i)).ToArray();
        return Split(SampleRows(first, labels, seeds, onStep, cancellationToken, wrap), requests.Select(r => r.Labels.Count), ImageSize);
    }

    private float[] SampleRows(
        PixelGenerationRequest shared, int[] labels, long[] seeds, Action<int>? onStep, CancellationToken cancellationToken, Func<int, IDenoiser, IDenoiser>? wrap)
    {
        var count = labels.Length;
        var images = new float[count * ImageSize];
        var evaluations = 0;
        for (var start = 0; start < count; start += MaxBatch)
        {
            var batch = Math.Min(MaxBatch, count - start);
            var x = new float[batch * ImageSize];
            for (var i = 0; i < batch; i++)
            {
                GaussianNoise.Fill(seeds[start + i], x.AsSpan(i * ImageSize, ImageSize));
            }

            using var denoiser = UNetDenoiser.ForClassLabels(Unet, Noise, PredictionType, labels[start..(start + batch)], Folder.NullClassLabel, shared.GuidanceScale, [Folder.Channels, Folder.SampleSize, Folder.SampleSize]);
            SamplingRun.Run(shared.Solver, wrap?.Invoke(start, denoiser) ?? denoiser, Noise, shared.Times, x, _ => onStep?.Invoke(++evaluations), cancellationToken, shared.FinalStep);
            System.Numerics.Tensors.TensorPrimitives.Clamp(x, -1f, 1f, x);
            x.CopyTo(images, start * ImageSize);
        }

        return images;
    }

    /// <summary>
    /// Samples the request with DDIM over its times (snapped to the trained steps for an integer-timestep network) and
    /// finishes at sigma = 0, handing every evaluated point to <paramref name="onPoint"/>: the point's index, the first
    /// row of the chunk, the chunk's states and its data predictions there (row-major, valid during the call only). The
    /// teacher trajectories of the model-aware strategies are made this way. Returns the images, as <see cref="Generate"/> would.
    /// </summary>
    public float[] Trace(PixelGenerationRequest request, Action<int, int, float[], float[]> onPoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(onPoint);
        var ddim = request with { Solver = SolverKind.Ddim, FinalStep = FinalStep.ToZero };
        return Sample([ddim], null, cancellationToken, (first, denoiser) => new RecordingDenoiser(denoiser, Noise, (point, states, data) => onPoint(point, first, states, data)))[0];
    }

    /// <summary>Throws naming the field unless the request can be sampled.</summary>
    public void Validate(PixelGenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ClassifierFreeGuidance.Validate(request.GuidanceScale);
        if (request.Labels.Count == 0)
        {
            throw new HsoArgumentException("at least one image must be requested", "n");
        }

        foreach (var label in request.Labels)
        {
            ValidateLabel(label);
        }

        SamplingRun.Validate(Noise, request.Solver, request.Times);
    }

    /// <summary>Throws naming class_label unless it is one of the model's classes or null (unconditional).</summary>
    public void ValidateLabel(int? label)
    {
        if (label is { } value && (value < 0 || value >= Folder.NumClasses))
        {
            throw new HsoArgumentException($"class_label must be in 0..{Folder.NumClasses - 1} (or absent for unconditional), got {value}", "class_label");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Classifier?.Dispose();
        }

        base.Dispose(disposing);
    }
}
