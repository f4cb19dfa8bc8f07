using HsoService.Optimization;
using HsoService.Inference.Denoising;
using HsoService.Inference.Models;
using HsoService.Inference.Noise;
using HsoService.Inference.Onnx;
using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Inference.Pipelines;

/// <summary>
/// Stable Diffusion text-to-image over the optimum ONNX layout: CLIP tokenizer, text encoder (its <c>input_ids</c> as
/// int32 or int64, whichever the graph declares), unet with classifier-free guidance on <c>encoder_hidden_states</c>,
/// latents divided by the VAE scaling factor (0.18215 unless the model says otherwise) and decoded by the VAE decoder.
/// Latents are [B, 4, H/8, W/8] and start as N(0, 1) noise from the seed.
/// </summary>
public sealed class StableDiffusionPipeline : DiffusionPipeline
{
    private readonly OnnxGraph _textEncoder;
    private readonly OnnxGraph _vaeDecoder;
    private readonly ClipTokenizer _tokenizer;
    private readonly TensorElementType _idType;

    public StableDiffusionPipeline(ModelFolder folder, OnnxSessionFactory sessions)
        : base(folder, PipelineKind.StableDiffusion, sessions, "encoder_hidden_states", TensorElementType.Float)
    {
        _tokenizer = new ClipTokenizer(folder.VocabPath!, folder.MergesPath!);
        _textEncoder = sessions.Open(folder.TextEncoderPath!, "text_encoder/model.onnx");
        _idType = _textEncoder.RequireType("input_ids", TensorElementType.Int32, TensorElementType.Int64);
        _vaeDecoder = sessions.Open(folder.VaeDecoderPath!, "vae_decoder/model.onnx");
        _vaeDecoder.RequireType("latent_sample", TensorElementType.Float);
    }

    public ClipTokenizer Tokenizer => _tokenizer;

    /// <summary>Generates images; returns N x 3 x H x W values clipped to [-1, 1].</summary>
    public float[] Generate(TextGenerationRequest request, Action<int>? onStep = null, CancellationToken cancellationToken = default) =>
        GenerateBatch([request], onStep, cancellationToken)[0];

    /// <summary>
    /// Samples several requests that share a solver, schedule, size, guidance scale and final step as one batch, each
    /// keeping its prompts and seeds; returns each request's images as <see cref="Generate"/> would.
    /// </summary>
    public float[][] GenerateBatch(IReadOnlyList<TextGenerationRequest> requests, Action<int>? onStep = null, CancellationToken cancellationToken = default)
    {
        var first = SharedShape(requests, Validate, r => r.Shape, "solver, schedule, size, guidance scale and final step");
        var count = requests.Sum(r => r.Count);
        var conditional = new List<float[]>(count);
        var unconditional = new List<float[]>(count);
        var (tokens, width) = (0, 0);
        foreach (var request in requests)
        {
            var (positive, positiveTokens, positiveWidth) = Encode(request.Prompt);
            var (negative, _, _) = Encode(request.NegativePrompt);
            (tokens, width) = (positiveTokens, positiveWidth);
            conditional.AddRange(Enumerable.Repeat(positive, request.Count));
            unconditional.AddRange(Enumerable.Repeat(negative, request.Count));
        }

        var latentHeight = first.Height / 8;
        var latentWidth = first.Width / 8;
        var latentSize = 4 * latentHeight * latentWidth;
        var latents = new float[count * latentSize];
        var row = 0;
        foreach (var request in requests)
        {
            for (var i = 0; i < request.Count; i++, row++)
            {
                GaussianNoise.Fill(request.Seed + i, latents.AsSpan(row * latentSize, latentSize));
            }
        }

        using (var denoiser = UNetDenoiser.ForTextEmbeddings(
            Unet, Noise, PredictionType, conditional, unconditional, tokens, width, first.GuidanceScale, [4, latentHeight, latentWidth]))
        {
            var evaluations = 0;
            SamplingRun.Run(first.Solver, denoiser, Noise, first.Times, latents, _ => onStep?.Invoke(++evaluations), cancellationToken, first.FinalStep);
        }

        System.Numerics.Tensors.TensorPrimitives.Multiply(latents, (float)(1 / Folder.VaeScalingFactor), latents);
        var imageSize = 3 * first.Height * first.Width;
        var images = new float[count * imageSize];
        using (var latentValue = OrtValue.CreateTensorValueFromMemory(latents, [count, 4, latentHeight, latentWidth]))
        using (var imageValue = OrtValue.CreateTensorValueFromMemory(images, [count, 3, first.Height, first.Width]))
        {
            _vaeDecoder.Run(["latent_sample"], [latentValue], [_vaeDecoder.FirstOutput], [imageValue]);
        }

        System.Numerics.Tensors.TensorPrimitives.Clamp(images, -1f, 1f, images);
        return Split(images, requests.Select(r => r.Count), imageSize);
    }

    private (float[] Embeddings, int Tokens, int Width) Encode(string prompt)
    {
        var ids = _tokenizer.Encode(prompt);
        using var idValue = _idType == TensorElementType.Int32
            ? OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length])
            : OrtValue.CreateTensorValueFromMemory(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);
        using var options = new RunOptions();
        using var outputs = _textEncoder.Session.Run(options, ["input_ids"], [idValue], [_textEncoder.FirstOutput]);
        var shape = outputs[0].GetTensorTypeAndShape().Shape;
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), (int)shape[1], (int)shape[2]);
    }

    /// <summary>Throws naming the field unless the request can be sampled.</summary>
    public void Validate(TextGenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ClassifierFreeGuidance.Validate(request.GuidanceScale);
        foreach (var (field, value) in new[] { ("width", request.Width), ("height", request.Height) })
        {
            if (value < 8 || value > 2048 || value % 8 != 0)
            {
                throw new HsoArgumentException($"{field} must be a multiple of 8 in 8..2048, got {value}", field);
            }
        }

        if (request.Count is < 1 or > 64)
        {
            throw new HsoArgumentException($"n must be in 1..64, got {request.Count}", "n");
        }

        SamplingRun.Validate(Noise, request.Solver, request.Times);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _textEncoder.Dispose();
            _vaeDecoder.Dispose();
        }

        base.Dispose(disposing);
    }
}
