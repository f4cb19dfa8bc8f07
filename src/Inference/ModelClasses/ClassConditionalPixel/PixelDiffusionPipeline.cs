using HsoService.Inference.Denoising;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Optimization;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.ModelClasses.ClassConditionalPixel;

/// <summary>
/// Class-conditional pixel-space diffusion (digits16-ddpm): the sampler integrates the image itself (C x side x
/// side), the unet takes one <c>class_labels</c> value per image (the model's null label for the unconditional half
/// of guidance), and decoding is clipping to [-1, 1]. Guidance defaults to 1 (none). Calibration samples cycle
/// through the classes.
/// </summary>
public sealed class PixelDiffusionPipeline : DiffusionPipeline
{
    public PixelDiffusionPipeline(ModelFolder folder, OnnxSessionFactory sessions)
        : base(folder, "class_conditional_pixel", sessions)
    {
        SampleSize = folder.RequireInt("sample_size");
        Channels = folder.RequireInt("in_channels");
        NumClasses = folder.RequireInt("num_class_embeds") - 1;
        NullClassLabel = folder.RequireInt("null_class_label");
        Unet.RequireType("class_labels", Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int64);
        Classifier = folder.ClassifierPath is null ? null : new ImageClassifier(sessions.Open(folder.ClassifierPath, "classifier/model.onnx"), Channels, SampleSize);
        Defaults = new ModelClassDefaults([ConditioningFields.Names.ClassLabel], $"a class-conditional pixel model of fixed size {SampleSize}", "class_label", SampleSize, SampleSize, 1.0);
    }

    /// <summary>Image side in pixels.</summary>
    public int SampleSize { get; }

    public int Channels { get; }

    /// <summary>Number of classes (labels 0..NumClasses-1).</summary>
    public int NumClasses { get; }

    /// <summary>The label meaning "no class".</summary>
    public int NullClassLabel { get; }

    public override ModelClassDefaults Defaults { get; }

    /// <summary>The folder's classifier / feature extractor, or null.</summary>
    public override ImageClassifier? Classifier { get; }

    /// <summary>Elements per image (C x H x W).</summary>
    public int ImageSize => Channels * SampleSize * SampleSize;

    /// <summary>One image per label with seeds seed, seed + 1, ... (the labels' order), as requests of one image each.</summary>
    public IReadOnlyList<GenerationRequest> Requests(SolverKind solver, IReadOnlyList<double> times, IReadOnlyList<int?> labels, double guidance, long seed, FinalStep finalStep = FinalStep.ToZero) =>
        [.. labels.Select((label, i) => new GenerationRequest(solver, times, new ClassLabelConditioning(label, SampleSize), 1, guidance, seed + i, finalStep))];

    /// <summary>One image per label (seeds seed + i), N x C x H x W values in [-1, 1].</summary>
    public float[] Generate(SolverKind solver, IReadOnlyList<double> times, IReadOnlyList<int?> labels, double guidance, long seed, FinalStep finalStep = FinalStep.ToZero, Action<int>? onStep = null, CancellationToken cancellationToken = default) =>
        [.. GenerateBatch(Requests(solver, times, labels, guidance, seed, finalStep), onStep, cancellationToken).SelectMany(image => image)];

    protected override ImageConditioning Parse(ConditioningFields fields)
    {
        ValidateLabel(fields.ClassLabel);
        return new ClassLabelConditioning(fields.ClassLabel, SampleSize);
    }

    /// <summary>Throws naming class_label unless it is one of the model's classes or null (unconditional).</summary>
    public void ValidateLabel(int? label)
    {
        if (label is { } value && (value < 0 || value >= NumClasses))
        {
            throw new HsoArgumentException($"class_label must be in 0..{NumClasses - 1} (or absent for unconditional), got {value}", "class_label");
        }
    }

    protected override void ValidateConditioning(ImageConditioning conditioning)
    {
        var label = conditioning as ClassLabelConditioning ?? throw new ArgumentException($"a {ClassName} model takes a class label, not {conditioning.GetType().Name}", nameof(conditioning));
        ValidateLabel(label.Label);
    }

    public override int[] LatentShape(ImageConditioning conditioning) => [Channels, SampleSize, SampleSize];

    public override int[] ImageShape(ImageConditioning conditioning) => [Channels, SampleSize, SampleSize];

    protected override IReadOnlyList<ConditioningInput> Encode(IReadOnlyList<ImageConditioning> rows, bool guided, double guidanceScale) =>
        [ConditioningInput.Labels("class_labels", [.. rows.Select(row => (long)(((ClassLabelConditioning)row).Label ?? NullClassLabel))], NullClassLabel)];

    // Pixel space: the sampler's result is the image.
    public override float[] Decode(float[] latents, int count, ImageConditioning conditioning) => Clip(latents);

    public override ImageConditioning CalibrationConditioning(int index) => new ClassLabelConditioning(index % Math.Max(NumClasses, 1), SampleSize);

    public override string CalibrationDescription => $"labels mod {NumClasses}";

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Classifier?.Dispose();
        }

        base.Dispose(disposing);
    }
}
