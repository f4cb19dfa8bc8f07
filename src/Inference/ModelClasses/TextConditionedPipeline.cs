using System.Numerics.Tensors;
using System.Text.Json;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Requests;
using HsoService.Inference.Text;
using HsoService.Optimization;
using Microsoft.ML.OnnxRuntime;

namespace HsoService.Inference.ModelClasses;

/// <summary>
/// What the latent text-to-image classes share: latents [4, H/8, W/8] decoded by optimum's <c>vae_decoder</c> after
/// division by its config's <c>scaling_factor</c>, image sizes as multiples of 8, the default size from
/// <c>unet/config.json</c>'s <c>sample_size</c> times 8 (else model_index.json's <c>sample_size</c>, else 512), and
/// calibration prompts in turn.
/// </summary>
public abstract class TextConditionedPipeline : DiffusionPipeline
{
    /// <summary>The prompts calibration samples use, in turn.</summary>
    public static readonly IReadOnlyList<string> CalibrationPrompts =
    [
        "a photograph of a cat sitting on a windowsill",
        "a watercolor painting of a mountain lake at dawn",
        "a red bicycle leaning against a brick wall",
        "a bowl of fruit on a wooden table, studio lighting",
    ];

    private readonly OnnxGraph _vaeDecoder;

    protected TextConditionedPipeline(ModelFolder folder, string className, OnnxSessionFactory sessions, string network = "unet", string sampleInput = "sample")
        : base(folder, className, sessions, network, sampleInput)
    {
        _vaeDecoder = sessions.Open(folder.Require("vae_decoder", "model.onnx"), "vae_decoder/model.onnx");
        _vaeDecoder.RequireType("latent_sample", Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16);
        var vae = folder.OptionalJson("vae_decoder", "config.json");
        VaeScalingFactor = vae is { } v && v.TryGetProperty("scaling_factor", out var factor) ? factor.GetDouble() : 0.18215;
        VaeShiftFactor = vae is { } w && w.TryGetProperty("shift_factor", out var shift) && shift.ValueKind == JsonValueKind.Number ? shift.GetDouble() : 0;
        // The VAE's latent_channels first: a transformer that takes packed tokens (Flux) has other input channels.
        LatentChannels = vae is { } l && l.TryGetProperty("latent_channels", out var latentChannels) && latentChannels.ValueKind == JsonValueKind.Number ? latentChannels.GetInt32()
            : Unet.Input(sampleInput).Dimensions is [_, > 0 and var channels, ..] ? channels : 4;
        DefaultSide = folder.OptionalJson(network, "config.json") is { } unet && unet.TryGetProperty("sample_size", out var latentSide) && latentSide.ValueKind == JsonValueKind.Number
            ? latentSide.GetInt32() * 8
            : vae is { } p && p.TryGetProperty("sample_size", out var pixels) && pixels.ValueKind == JsonValueKind.Number ? pixels.GetInt32()
            : folder.Index.ValueKind == JsonValueKind.Object && folder.Index.TryGetProperty("sample_size", out var side) && side.ValueKind == JsonValueKind.Number ? side.GetInt32() : 512;
    }

    /// <summary>Latents are divided by this before decoding (vae_decoder/config.json's scaling_factor; 0.18215 when absent).</summary>
    public double VaeScalingFactor { get; }

    /// <summary>Added to the scaled latents before decoding (vae_decoder/config.json's shift_factor, SD3's and Flux's; 0 when absent).</summary>
    public double VaeShiftFactor { get; }

    /// <summary>Channels of the latents (the unet's <c>sample</c>; 4 when the graph leaves it open).</summary>
    public int LatentChannels { get; }

    /// <summary>The default image side in pixels.</summary>
    public int DefaultSide { get; }

    /// <summary>A CLIP text encoder component with its tokenizer folder (optimum's <c>text_encoder</c> / <c>tokenizer</c> pairs).</summary>
    protected static ClipTextEncoder OpenClip(ModelFolder folder, OnnxSessionFactory sessions, string encoder, string tokenizer)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(sessions);
        return new(sessions.Open(folder.Require(encoder, "model.onnx"), $"{encoder}/model.onnx"),
            new ClipTokenizer(folder.Require(tokenizer, "vocab.json"), folder.Require(tokenizer, "merges.txt")));
    }

    /// <summary>
    /// A side in pixels from a request: a multiple of <paramref name="multiple"/> (8: the VAE's factor; 16 with a
    /// transformer's 2x2 patches, <paramref name="why"/>) up to <see cref="RequestLimits.Side"/>'s largest, or the default.
    /// </summary>
    protected int ParseSide(int? value, string field, int multiple = 8, string why = "the VAE's 8x factor")
    {
        var side = value ?? DefaultSide;
        return side >= multiple && side <= RequestLimits.Side.Max && side % multiple == 0
            ? side
            : throw new HsoArgumentException($"{field} must be a multiple of {multiple} in {multiple}..{RequestLimits.Side.Max} ({why}), got {side}", field);
    }

    /// <summary>Throws naming the field unless the conditioning's size can be sampled.</summary>
    protected static void ValidateSize(ImageConditioning conditioning)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        foreach (var (field, value) in new[] { ("width", conditioning.Width), ("height", conditioning.Height) })
        {
            if (value < 8 || value > 2048 || value % 8 != 0)
            {
                throw new HsoArgumentException($"{field} must be a multiple of 8 in 8..2048, got {value}", field);
            }
        }
    }

    public override int[] LatentShape(ImageConditioning conditioning) => [LatentChannels, conditioning.Height / 8, conditioning.Width / 8];

    public override int[] ImageShape(ImageConditioning conditioning) => [3, conditioning.Height, conditioning.Width];

    /// <summary>
    /// Decodes image by image: the VAE decoder's activations at full resolution are the largest tensors of a run (at
    /// 1024 x 1024 several hundred MB per image), and images do not depend on each other, so one at a time bounds them.
    /// </summary>
    public override float[] Decode(float[] latents, int count, ImageConditioning conditioning)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(conditioning);
        var (height, width) = (conditioning.Height, conditioning.Width);
        var latentSize = LatentChannels * (height / 8) * (width / 8);
        var imageSize = 3 * height * width;
        var images = new float[count * imageSize];
        using var latentValue = FloatTensor.Input(_vaeDecoder, "latent_sample", [1, LatentChannels, height / 8, width / 8]);
        using var imageValue = FloatTensor.Output(_vaeDecoder, _vaeDecoder.FirstOutput, [1, 3, height, width]);
        for (var i = 0; i < count; i++)
        {
            // diffusers: vae.decode(latents / scaling_factor + shift_factor)
            TensorPrimitives.Multiply(latents.AsSpan(i * latentSize, latentSize), (float)(1 / VaeScalingFactor), latentValue.Values);
            if (VaeShiftFactor != 0)
            {
                TensorPrimitives.Add(latentValue.Values, (float)VaeShiftFactor, latentValue.Values);
            }

            latentValue.ToGraph();
            _vaeDecoder.Run(["latent_sample"], [latentValue.Value], [_vaeDecoder.FirstOutput], [imageValue.Value]);
            imageValue.FromGraph();
            imageValue.Values.CopyTo(images, i * imageSize);
        }

        return Clip(images);
    }

    public override string CalibrationDescription => $"prompts {string.Join('|', CalibrationPrompts)} guidance {CalibrationGuidance}";

    public override double CalibrationGuidance => Defaults.GuidanceScale;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _vaeDecoder.Dispose();
        }

        base.Dispose(disposing);
    }
}
