using System.Text.Json;
using HsoService.Inference.Denoising;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Text;
using HsoService.Optimization;
using HsoService.Optimization.Schedules;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Inference.ModelClasses.StableDiffusionXl;

/// <summary>
/// Stable Diffusion XL text-to-image, after diffusers' StableDiffusionXLPipeline: each prompt goes through both CLIP
/// tokenizers (each with its own pad token) and encoders; <c>encoder_hidden_states</c> is both encoders' penultimate
/// hidden states (<c>hidden_states.{L-1}</c>) side by side, <c>text_embeds</c> the second encoder's pooled
/// <c>text_embeds</c>, and <c>time_ids</c> (original height, width, crop top, left, target height, width) per image.
/// Under guidance the negative half comes first; with no negative prompt and the model's
/// <c>force_zeros_for_empty_prompt</c> (diffusers' default) its embeddings are zeros. Defaults: guidance 5, the
/// unet's sample size times 8.
/// </summary>
public sealed class StableDiffusionXlPipeline : TextConditionedPipeline
{
    private readonly ClipTextEncoder _encoder;
    private readonly ClipTextEncoder _encoder2;
    private readonly string _hidden;
    private readonly string _hidden2;
    private readonly bool _zerosForEmptyNegative;

    public StableDiffusionXlPipeline(ModelFolder folder, OnnxSessionFactory sessions)
        : base(folder, "stable_diffusion_xl", sessions)
    {
        _encoder = OpenClip(folder, sessions, "text_encoder", "tokenizer");
        _encoder2 = OpenClip(folder, sessions, "text_encoder_2", "tokenizer_2");
        _hidden = _encoder.PenultimateOutput ?? throw new ModelLoadException("text_encoder/model.onnx: has no hidden_states.N outputs; SDXL reads the penultimate layer's states (export with optimum, which adds them)");
        _hidden2 = _encoder2.PenultimateOutput ?? throw new ModelLoadException("text_encoder_2/model.onnx: has no hidden_states.N outputs; SDXL reads the penultimate layer's states (export with optimum, which adds them)");
        _encoder2.Graph.OutputType("text_embeds", TensorElementType.Float, TensorElementType.Float16);
        foreach (var input in new[] { "encoder_hidden_states", "text_embeds", "time_ids" })
        {
            Unet.RequireType(input, TensorElementType.Float, TensorElementType.Float16);
        }

        _zerosForEmptyNegative = !(folder.Index.ValueKind == JsonValueKind.Object
            && folder.Index.TryGetProperty("force_zeros_for_empty_prompt", out var zeros)
            && zeros.ValueKind == JsonValueKind.False);
        Defaults = new ModelClassDefaults(
            [ConditioningFields.Names.Prompt, ConditioningFields.Names.NegativePrompt, ConditioningFields.Names.Prompt2, ConditioningFields.Names.NegativePrompt2, ConditioningFields.Names.Width, ConditioningFields.Names.Height],
            "an SDXL text-to-image model", "prompt, negative_prompt, prompt_2, negative_prompt_2, width and height", DefaultSide, DefaultSide, 5.0);
    }

    public override ModelClassDefaults Defaults { get; }

    public ClipTokenizer Tokenizer => _encoder.Tokenizer;

    public ClipTokenizer Tokenizer2 => _encoder2.Tokenizer;

    protected override ImageConditioning Parse(ConditioningFields fields)
    {
        var prompt = fields.Prompt ?? throw new HsoArgumentException("prompt is required for a stable_diffusion_xl model", "prompt");
        // diffusers: prompt_2 = prompt_2 or prompt; an empty prompt_2 falls back as well.
        return new XlPromptConditioning(
            prompt,
            string.IsNullOrEmpty(fields.Prompt2) ? prompt : fields.Prompt2,
            fields.NegativePrompt,
            fields.NegativePrompt2,
            ParseSide(fields.Width, "width"),
            ParseSide(fields.Height, "height"));
    }

    protected override void ValidateConditioning(ImageConditioning conditioning)
    {
        _ = conditioning as XlPromptConditioning ?? throw new ArgumentException($"a {ClassName} model takes SDXL prompts, not {conditioning.GetType().Name}", nameof(conditioning));
        ValidateSize(conditioning);
    }

    /// <summary>
    /// The prompt embeddings (77 x both widths) and the pooled embedding of a prompt pair, as
    /// StableDiffusionXLPipeline.encode_prompt computes them.
    /// </summary>
    public (float[] Embeddings, float[] Pooled, long Tokens, long Width) EncodePrompt(string prompt, string prompt2)
    {
        var first = _encoder.Encode(prompt, _hidden)[0];
        var second = _encoder2.Encode(prompt2, _hidden2, "text_embeds");
        var (hidden2, pooled) = (second[0], second[1]);
        var tokens = first.Shape[1];
        var (width1, width2) = (first.Shape[2], hidden2.Shape[2]);
        var embeddings = new float[tokens * (width1 + width2)];
        for (var token = 0; token < tokens; token++)
        {
            first.Values.AsSpan((int)(token * width1), (int)width1).CopyTo(embeddings.AsSpan((int)(token * (width1 + width2))));
            hidden2.Values.AsSpan((int)(token * width2), (int)width2).CopyTo(embeddings.AsSpan((int)((token * (width1 + width2)) + width1)));
        }

        return (embeddings, pooled.Values, tokens, width1 + width2);
    }

    /// <summary>The negative half's embeddings: zeros when no negative prompt was given and the model forces them, else encoded.</summary>
    public (float[] Embeddings, float[] Pooled) EncodeNegative(XlPromptConditioning conditioning, int embeddingSize, int pooledSize)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        if (conditioning.NegativePrompt is null && _zerosForEmptyNegative)
        {
            return (new float[embeddingSize], new float[pooledSize]);
        }

        var negative = conditioning.NegativePrompt ?? "";
        var (embeddings, pooled, _, _) = EncodePrompt(negative, string.IsNullOrEmpty(conditioning.NegativePrompt2) ? negative : conditioning.NegativePrompt2);
        return (embeddings, pooled);
    }

    /// <summary>diffusers' add_time_ids: original size (height, width), crop (0, 0), target size (height, width).</summary>
    public static float[] TimeIds(ImageConditioning conditioning)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        return [conditioning.Height, conditioning.Width, 0, 0, conditioning.Height, conditioning.Width];
    }

    protected override IReadOnlyList<ConditioningInput> Encode(IReadOnlyList<ImageConditioning> rows, bool guided, double guidanceScale)
    {
        var prompts = rows.Cast<XlPromptConditioning>().ToArray();
        var encoded = new Dictionary<XlPromptConditioning, (float[] Embeddings, float[] Pooled, float[] NegativeEmbeddings, float[] NegativePooled)>();
        long tokens = 0, width = 0;
        foreach (var prompt in prompts.Distinct())
        {
            var (embeddings, pooled, t, w) = EncodePrompt(prompt.Prompt, prompt.Prompt2);
            (tokens, width) = (t, w);
            var (negative, negativePooled) = guided ? EncodeNegative(prompt, embeddings.Length, pooled.Length) : ([], []);
            encoded[prompt] = (embeddings, pooled, negative, negativePooled);
        }

        var embeddingSize = (int)(tokens * width);
        var pooledSize = encoded[prompts[0]].Pooled.Length;
        var conditional = new float[rows.Count * embeddingSize];
        var conditionalPooled = new float[rows.Count * pooledSize];
        var unconditional = guided ? new float[rows.Count * embeddingSize] : null;
        var unconditionalPooled = guided ? new float[rows.Count * pooledSize] : null;
        var timeIds = new float[rows.Count * 6];
        for (var i = 0; i < prompts.Length; i++)
        {
            var row = encoded[prompts[i]];
            row.Embeddings.CopyTo(conditional, i * embeddingSize);
            row.Pooled.CopyTo(conditionalPooled, i * pooledSize);
            TimeIds(prompts[i]).CopyTo(timeIds, i * 6);
            if (guided)
            {
                row.NegativeEmbeddings.CopyTo(unconditional!, i * embeddingSize);
                row.NegativePooled.CopyTo(unconditionalPooled!, i * pooledSize);
            }
        }

        return
        [
            ConditioningInput.Floats("encoder_hidden_states", [tokens, width], conditional, unconditional),
            ConditioningInput.Floats("text_embeds", [pooledSize], conditionalPooled, unconditionalPooled),
            // The negative half's time ids are the same (diffusers' negative_original_size defaults to original_size).
            ConditioningInput.Floats("time_ids", [6], timeIds, guided ? timeIds : null),
        ];
    }

    public override ImageConditioning CalibrationConditioning(int index)
    {
        var prompt = CalibrationPrompts[index % CalibrationPrompts.Count];
        return new XlPromptConditioning(prompt, prompt, null, null, DefaultSide, DefaultSide);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _encoder.Dispose();
            _encoder2.Dispose();
        }

        base.Dispose(disposing);
    }
}
