using HsoService.Inference.Denoising;
using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;
using HsoService.Inference.Text;
using HsoService.Optimization;
using HsoService.Optimization.Schedules;

namespace HsoService.Inference.ModelClasses.StableDiffusion;

/// <summary>
/// Stable Diffusion 1.x / 2.x text-to-image (diffusers' StableDiffusionPipeline): the CLIP tokenizer and text encoder
/// give <c>encoder_hidden_states</c> (its last hidden state) for the prompt and, under classifier-free guidance, the
/// negative prompt ("" when none is given); latents [4, H/8, W/8] start as N(0, 1) noise from the seed. Defaults:
/// guidance 7.5, the unet's sample size.
/// </summary>
public sealed class StableDiffusionPipeline : TextConditionedPipeline
{
    private readonly ClipTextEncoder _textEncoder;

    public StableDiffusionPipeline(ModelFolder folder, OnnxSessionFactory sessions)
        : base(folder, "stable_diffusion", sessions)
    {
        _textEncoder = OpenClip(folder, sessions, "text_encoder", "tokenizer");
        Unet.RequireType("encoder_hidden_states", Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16);
        Defaults = new ModelClassDefaults(
            [ConditioningFields.Names.Prompt, ConditioningFields.Names.NegativePrompt, ConditioningFields.Names.Width, ConditioningFields.Names.Height],
            "a Stable Diffusion text-to-image model", "prompt, negative_prompt, width and height", DefaultSide, DefaultSide, 7.5);
    }

    public ClipTokenizer Tokenizer => _textEncoder.Tokenizer;

    public override ModelClassDefaults Defaults { get; }

    protected override ImageConditioning Parse(ConditioningFields fields) => new PromptConditioning(
        fields.Prompt ?? throw new HsoArgumentException("prompt is required for a stable_diffusion model", "prompt"),
        fields.NegativePrompt ?? "",
        ParseSide(fields.Width, "width"),
        ParseSide(fields.Height, "height"));

    protected override void ValidateConditioning(ImageConditioning conditioning)
    {
        _ = conditioning as PromptConditioning ?? throw new ArgumentException($"a {ClassName} model takes prompts, not {conditioning.GetType().Name}", nameof(conditioning));
        ValidateSize(conditioning);
    }

    protected override IReadOnlyList<ConditioningInput> Encode(IReadOnlyList<ImageConditioning> rows, bool guided, double guidanceScale)
    {
        // One text encoder run per distinct prompt, copied to each of its rows.
        var cache = new Dictionary<string, (float[] Values, long[] Shape)>(StringComparer.Ordinal);
        (float[] Values, long[] Shape) Embed(string prompt)
        {
            if (!cache.TryGetValue(prompt, out var embedding))
            {
                embedding = _textEncoder.Encode(prompt, _textEncoder.FirstOutput)[0];
                cache[prompt] = embedding;
            }

            return embedding;
        }

        var prompts = rows.Cast<PromptConditioning>().ToArray();
        var shape = Embed(prompts[0].Prompt).Shape;
        long[] rowShape = [shape[1], shape[2]];
        var size = (int)(shape[1] * shape[2]);
        var conditional = new float[rows.Count * size];
        var unconditional = guided ? new float[rows.Count * size] : null;
        for (var i = 0; i < prompts.Length; i++)
        {
            Embed(prompts[i].Prompt).Values.CopyTo(conditional, i * size);
            if (unconditional is not null)
            {
                Embed(prompts[i].NegativePrompt).Values.CopyTo(unconditional, i * size);
            }
        }

        return [ConditioningInput.Floats("encoder_hidden_states", rowShape, conditional, unconditional)];
    }

    public override ImageConditioning CalibrationConditioning(int index) =>
        new PromptConditioning(CalibrationPrompts[index % CalibrationPrompts.Count], "", DefaultSide, DefaultSide);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _textEncoder.Dispose();
        }

        base.Dispose(disposing);
    }
}
