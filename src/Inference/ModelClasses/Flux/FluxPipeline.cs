using HsoService.Inference.Denoising;
using HsoService.Inference.ModelClasses.StableDiffusion;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Text;
using HsoService.Optimization;
using HsoService.Optimization.Families;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Inference.ModelClasses.Flux;

/// <summary>
/// FLUX.1 text-to-image, after diffusers' FluxPipeline: CLIP's <c>pooler_output</c> is the pooled projection and T5's
/// last hidden state over 512 tokens the text states; no classifier-free guidance: the transformer's <c>guidance</c>
/// input takes guidance_scale per image where it declares one. The latents [16, H/8, W/8] go in as 2x2-patch tokens
/// (<see cref="FluxLatentPacking"/>) with <c>img_ids</c> (0, row, column) per token and zero <c>txt_ids</c>; the timestep
/// is the flow sigma s itself; the default sigmas are linspace(1, 1/n, n) shifted by mu from the token count; latents /
/// scaling_factor + shift_factor before the VAE. Sides are multiples of 16. Defaults: guidance 3.5.
/// </summary>
public sealed class FluxPipeline : TextConditionedPipeline
{
    /// <summary>diffusers' default max_sequence_length for Flux's T5 prompt.</summary>
    public const int T5Tokens = 512;

    private readonly ClipTextEncoder _clip;
    private readonly T5TextEncoder _t5;
    private readonly bool _takesGuidance;

    public FluxPipeline(ModelFolder folder, OnnxSessionFactory sessions)
        : base(folder, "flux", sessions, network: "transformer", sampleInput: "hidden_states")
    {
        _clip = OpenClip(folder, sessions, "text_encoder", "tokenizer");
        _clip.Graph.OutputType("pooler_output", TensorElementType.Float, TensorElementType.Float16);
        _t5 = new T5TextEncoder(
            sessions.Open(folder.Require("text_encoder_2", "model.onnx"), "text_encoder_2/model.onnx"),
            new T5Tokenizer(folder.Require("tokenizer_2", "spiece.model")));
        foreach (var input in new[] { "encoder_hidden_states", "pooled_projections", "img_ids", "txt_ids" })
        {
            Unet.RequireType(input, TensorElementType.Float, TensorElementType.Float16);
        }

        _takesGuidance = Unet.Session.InputMetadata.ContainsKey("guidance");
        Defaults = new ModelClassDefaults(
            [ConditioningFields.Names.Prompt, ConditioningFields.Names.Width, ConditioningFields.Names.Height],
            "a FLUX text-to-image model (guidance-distilled: guidance_scale is an input, there is no negative prompt)", "prompt, width and height", DefaultSide, DefaultSide, 3.5);
    }

    public override ModelClassDefaults Defaults { get; }

    public override bool ClassifierFreeGuided => false;

    protected override double TimestepScale => 1.0 / Noise.TrainSteps;

    public ClipTokenizer Tokenizer => _clip.Tokenizer;

    public T5Tokenizer Tokenizer2 => _t5.Tokenizer;

    /// <summary>The image's packed token count, (H/16)(W/16): what mu is computed from.</summary>
    public static int ImageSeqLen(ImageConditioning conditioning)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        return conditioning.Height / 16 * (conditioning.Width / 16);
    }

    public override FamilyOptions ScheduleOptions(int width, int height) =>
        new() { ImageSeqLen = height / 16 * (width / 16), PipelineLinspace = true };

    protected override ILatentPacking Packing(ImageConditioning conditioning) =>
        new FluxLatentPacking(LatentChannels, conditioning.Height / 8, conditioning.Width / 8);

    protected override ImageConditioning Parse(ConditioningFields fields) => new PromptConditioning(
        fields.Prompt ?? throw new HsoArgumentException("prompt is required for a flux model", "prompt"),
        "",
        ParseSide(fields.Width, "width", 16, "the VAE's 8x factor times the 2x2 packing of latents into tokens"),
        ParseSide(fields.Height, "height", 16, "the VAE's 8x factor times the 2x2 packing of latents into tokens"));

    protected override void ValidateConditioning(ImageConditioning conditioning)
    {
        _ = conditioning as PromptConditioning ?? throw new ArgumentException($"a {ClassName} model takes prompts, not {conditioning.GetType().Name}", nameof(conditioning));
        ValidateSize(conditioning);
        foreach (var (field, value) in new[] { ("width", conditioning.Width), ("height", conditioning.Height) })
        {
            if (value % 16 != 0)
            {
                throw new HsoArgumentException($"{field} must be a multiple of 16 for a flux model (2x2 patches of the 8x latents), got {value}", field);
            }
        }
    }

    /// <summary>T5's states (512 x width) and CLIP's pooled output of one prompt, as FluxPipeline.encode_prompt computes them.</summary>
    public (float[] Embeddings, float[] Pooled, long Width) EncodePrompt(string prompt)
    {
        var pooled = _clip.Encode(prompt, "pooler_output")[0].Values;
        var (states, width) = _t5.Encode(prompt, T5Tokens);
        return (states, pooled, width);
    }

    /// <summary>img_ids: (0, row, column) of each packed token, row-major, as diffusers' _prepare_latent_image_ids.</summary>
    public static float[] ImageIds(ImageConditioning conditioning)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        var (rows, columns) = (conditioning.Height / 16, conditioning.Width / 16);
        var ids = new float[rows * columns * 3];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                ids[(((i * columns) + j) * 3) + 1] = i;
                ids[(((i * columns) + j) * 3) + 2] = j;
            }
        }

        return ids;
    }

    protected override IReadOnlyList<ConditioningInput> Encode(IReadOnlyList<ImageConditioning> rows, bool guided, double guidanceScale)
    {
        var prompts = rows.Cast<PromptConditioning>().ToArray();
        var encoded = prompts.Select(p => p.Prompt).Distinct().ToDictionary(p => p, EncodePrompt);
        var (first, width) = (encoded[prompts[0].Prompt], encoded[prompts[0].Prompt].Width);
        var (embeddingSize, pooledSize) = (first.Embeddings.Length, first.Pooled.Length);
        var embeddings = new float[rows.Count * embeddingSize];
        var pooled = new float[rows.Count * pooledSize];
        for (var i = 0; i < prompts.Length; i++)
        {
            encoded[prompts[i].Prompt].Embeddings.CopyTo(embeddings, i * embeddingSize);
            encoded[prompts[i].Prompt].Pooled.CopyTo(pooled, i * pooledSize);
        }

        var image = ImageIds(prompts[0]);
        List<ConditioningInput> inputs =
        [
            ConditioningInput.Floats("encoder_hidden_states", [T5Tokens, width], embeddings, null),
            ConditioningInput.Floats("pooled_projections", [pooledSize], pooled, null),
            ConditioningInput.Shared("img_ids", [image.Length / 3, 3], image),
            ConditioningInput.Shared("txt_ids", [T5Tokens, 3], new float[T5Tokens * 3]),
        ];
        if (_takesGuidance)
        {
            inputs.Add(ConditioningInput.Floats("guidance", [], [.. Enumerable.Repeat((float)guidanceScale, rows.Count)], null));
        }

        return inputs;
    }

    public override ImageConditioning CalibrationConditioning(int index) =>
        new PromptConditioning(CalibrationPrompts[index % CalibrationPrompts.Count], "", DefaultSide, DefaultSide);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _clip.Dispose();
            _t5.Dispose();
        }

        base.Dispose(disposing);
    }
}
