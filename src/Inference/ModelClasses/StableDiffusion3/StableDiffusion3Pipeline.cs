using System.Text.Json;
using HsoService.Inference.Denoising;
using HsoService.Inference.ModelClasses.StableDiffusion;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Text;
using HsoService.Optimization;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace HsoService.Inference.ModelClasses.StableDiffusion3;

/// <summary>
/// Stable Diffusion 3 text-to-image, after diffusers' StableDiffusion3Pipeline: each prompt goes through both CLIP
/// encoders (penultimate hidden states side by side, zero-padded to T5's width) and T5 (its last hidden state over
/// <c>max_sequence_length</c> = 256 tokens, appended along the sequence; zeros of the transformer's
/// <c>joint_attention_dim</c> when the export has no text_encoder_3); the pooled projection is both CLIP
/// <c>text_embeds</c> side by side. Under guidance the negative half comes first and the negative prompt is encoded
/// ("" when none is given, never zeros). The transformer takes <c>hidden_states</c>, <c>timestep</c> = 1000 s,
/// <c>encoder_hidden_states</c> and <c>pooled_projections</c> and predicts the velocity. Defaults: guidance 7, the
/// transformer's sample size times 8.
/// </summary>
public sealed class StableDiffusion3Pipeline : TextConditionedPipeline
{
    /// <summary>diffusers' default max_sequence_length for SD3's T5 prompt.</summary>
    public const int T5Tokens = 256;

    private readonly ClipTextEncoder _clip;
    private readonly ClipTextEncoder _clip2;
    private readonly T5TextEncoder? _t5;
    private readonly string _hidden;
    private readonly string _hidden2;
    private readonly int _jointWidth;
    private readonly int _patch;

    public StableDiffusion3Pipeline(ModelFolder folder, OnnxSessionFactory sessions)
        : base(folder, "stable_diffusion_3", sessions, network: "transformer", sampleInput: "hidden_states")
    {
        _clip = OpenClip(folder, sessions, "text_encoder", "tokenizer");
        _clip2 = OpenClip(folder, sessions, "text_encoder_2", "tokenizer_2");
        _hidden = _clip.PenultimateOutput ?? throw new ModelLoadException("text_encoder/model.onnx: has no hidden_states.N outputs; SD3 reads the penultimate layer's states (export with optimum, which adds them)");
        _hidden2 = _clip2.PenultimateOutput ?? throw new ModelLoadException("text_encoder_2/model.onnx: has no hidden_states.N outputs; SD3 reads the penultimate layer's states (export with optimum, which adds them)");
        if (folder.Optional("text_encoder_3", "model.onnx") is { } t5)
        {
            _t5 = new T5TextEncoder(
                sessions.Open(t5, "text_encoder_3/model.onnx"),
                new T5Tokenizer(folder.Require("tokenizer_3", "spiece.model")));
        }

        foreach (var input in new[] { "encoder_hidden_states", "pooled_projections" })
        {
            Unet.RequireType(input, TensorElementType.Float, TensorElementType.Float16);
        }

        _jointWidth = Unet.Input("encoder_hidden_states").Dimensions is [.., > 0 and var width] ? width
            : folder.OptionalJson("transformer", "config.json") is { } config && config.TryGetProperty("joint_attention_dim", out var joint) && joint.ValueKind == JsonValueKind.Number ? joint.GetInt32()
            : throw new ModelLoadException("transformer: neither its encoder_hidden_states input nor transformer/config.json's joint_attention_dim gives the text width");
        _patch = folder.OptionalJson("transformer", "config.json") is { } transformer && transformer.TryGetProperty("patch_size", out var patch) && patch.ValueKind == JsonValueKind.Number ? patch.GetInt32() : 2;
        Defaults = new ModelClassDefaults(
            [ConditioningFields.Names.Prompt, ConditioningFields.Names.NegativePrompt, ConditioningFields.Names.Width, ConditioningFields.Names.Height],
            "a Stable Diffusion 3 text-to-image model", "prompt, negative_prompt, width and height", DefaultSide, DefaultSide, 7.0);
    }

    public override ModelClassDefaults Defaults { get; }

    public ClipTokenizer Tokenizer => _clip.Tokenizer;

    public ClipTokenizer Tokenizer2 => _clip2.Tokenizer;

    /// <summary>The T5 tokenizer, or null when the export has no text_encoder_3.</summary>
    public T5Tokenizer? Tokenizer3 => _t5?.Tokenizer;

    protected override ImageConditioning Parse(ConditioningFields fields) => new PromptConditioning(
        fields.Prompt ?? throw new HsoArgumentException("prompt is required for a stable_diffusion_3 model", "prompt"),
        fields.NegativePrompt ?? "",
        ParseSide(fields.Width, "width", SideMultiple, SideReason),
        ParseSide(fields.Height, "height", SideMultiple, SideReason));

    /// <summary>Sides are multiples of 8 (the VAE) times the transformer's patch size (2 for SD3).</summary>
    private int SideMultiple => 8 * _patch;

    private string SideReason => $"the VAE's 8x factor times the transformer's {_patch}x{_patch} patches";

    protected override void ValidateConditioning(ImageConditioning conditioning)
    {
        _ = conditioning as PromptConditioning ?? throw new ArgumentException($"a {ClassName} model takes prompts, not {conditioning.GetType().Name}", nameof(conditioning));
        ValidateSize(conditioning);
        foreach (var (field, value) in new[] { ("width", conditioning.Width), ("height", conditioning.Height) })
        {
            if (value % SideMultiple != 0)
            {
                throw new HsoArgumentException($"{field} must be a multiple of {SideMultiple} for a stable_diffusion_3 model (the transformer's {_patch}x{_patch} patches of the 8x latents), got {value}", field);
            }
        }
    }

    /// <summary>
    /// The prompt embeddings (77 + 256 tokens x the joint width) and the pooled projection of one prompt, as
    /// StableDiffusion3Pipeline.encode_prompt computes them.
    /// </summary>
    public (float[] Embeddings, float[] Pooled, long Tokens) EncodePrompt(string prompt)
    {
        var first = _clip.Encode(prompt, _hidden, "text_embeds");
        var second = _clip2.Encode(prompt, _hidden2, "text_embeds");
        var (hidden, hidden2) = (first[0], second[0]);
        var clipTokens = (int)hidden.Shape[1];
        var (width1, width2) = ((int)hidden.Shape[2], (int)hidden2.Shape[2]);
        if (width1 + width2 > _jointWidth)
        {
            throw new ModelLoadException($"text encoders' widths {width1} + {width2} exceed the transformer's joint width {_jointWidth}");
        }

        var tokens = clipTokens + T5Tokens;
        var embeddings = new float[tokens * _jointWidth];
        for (var token = 0; token < clipTokens; token++)
        {
            // CLIP-L and CLIP-G side by side, the rest of the row zeros (diffusers' F.pad to T5's width).
            hidden.Values.AsSpan(token * width1, width1).CopyTo(embeddings.AsSpan(token * _jointWidth));
            hidden2.Values.AsSpan(token * width2, width2).CopyTo(embeddings.AsSpan((token * _jointWidth) + width1));
        }

        if (_t5 is not null)
        {
            var (t5, width) = _t5.Encode(prompt, T5Tokens);
            if (width != _jointWidth)
            {
                throw new ModelLoadException($"text_encoder_3's width {width} is not the transformer's joint width {_jointWidth}");
            }

            t5.CopyTo(embeddings, clipTokens * _jointWidth);
        }

        return (embeddings, [.. first[1].Values, .. second[1].Values], tokens);
    }

    protected override IReadOnlyList<ConditioningInput> Encode(IReadOnlyList<ImageConditioning> rows, bool guided, double guidanceScale)
    {
        var prompts = rows.Cast<PromptConditioning>().ToArray();
        var encoded = new Dictionary<string, (float[] Embeddings, float[] Pooled)>();
        long tokens = 0;
        foreach (var text in prompts.SelectMany(p => guided ? new[] { p.Prompt, p.NegativePrompt } : [p.Prompt]).Distinct())
        {
            var (embeddings, pooled, t) = EncodePrompt(text);
            encoded[text] = (embeddings, pooled);
            tokens = t;
        }

        var embeddingSize = (int)(tokens * _jointWidth);
        var pooledSize = encoded[prompts[0].Prompt].Pooled.Length;
        var conditional = new float[rows.Count * embeddingSize];
        var conditionalPooled = new float[rows.Count * pooledSize];
        var unconditional = guided ? new float[rows.Count * embeddingSize] : null;
        var unconditionalPooled = guided ? new float[rows.Count * pooledSize] : null;
        for (var i = 0; i < prompts.Length; i++)
        {
            encoded[prompts[i].Prompt].Embeddings.CopyTo(conditional, i * embeddingSize);
            encoded[prompts[i].Prompt].Pooled.CopyTo(conditionalPooled, i * pooledSize);
            if (guided)
            {
                encoded[prompts[i].NegativePrompt].Embeddings.CopyTo(unconditional!, i * embeddingSize);
                encoded[prompts[i].NegativePrompt].Pooled.CopyTo(unconditionalPooled!, i * pooledSize);
            }
        }

        return
        [
            ConditioningInput.Floats("encoder_hidden_states", [tokens, _jointWidth], conditional, unconditional),
            ConditioningInput.Floats("pooled_projections", [pooledSize], conditionalPooled, unconditionalPooled),
        ];
    }

    public override ImageConditioning CalibrationConditioning(int index) =>
        new PromptConditioning(CalibrationPrompts[index % CalibrationPrompts.Count], "", DefaultSide, DefaultSide);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _clip.Dispose();
            _clip2.Dispose();
            _t5?.Dispose();
        }

        base.Dispose(disposing);
    }
}
