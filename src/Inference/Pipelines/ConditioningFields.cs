namespace HsoService.Inference.Pipelines;

/// <summary>
/// A request's conditioning fields as they arrived (from <c>POST /generate</c> or <c>hso generate</c>), before a model
/// class parses them: null means absent. Wire names are in <see cref="Names"/>.
/// </summary>
public sealed record ConditioningFields(
    int? ClassLabel = null,
    string? Prompt = null,
    string? NegativePrompt = null,
    string? Prompt2 = null,
    string? NegativePrompt2 = null,
    int? Width = null,
    int? Height = null)
{
    /// <summary>The wire names of the fields, as requests spell them.</summary>
    public static class Names
    {
        public const string ClassLabel = "class_label";
        public const string Prompt = "prompt";
        public const string NegativePrompt = "negative_prompt";
        public const string Prompt2 = "prompt_2";
        public const string NegativePrompt2 = "negative_prompt_2";
        public const string Width = "width";
        public const string Height = "height";
    }

    /// <summary>The fields that are present, by wire name.</summary>
    public IEnumerable<string> Present()
    {
        if (ClassLabel is not null)
        {
            yield return Names.ClassLabel;
        }

        if (Prompt is not null)
        {
            yield return Names.Prompt;
        }

        if (NegativePrompt is not null)
        {
            yield return Names.NegativePrompt;
        }

        if (Prompt2 is not null)
        {
            yield return Names.Prompt2;
        }

        if (NegativePrompt2 is not null)
        {
            yield return Names.NegativePrompt2;
        }

        if (Width is not null)
        {
            yield return Names.Width;
        }

        if (Height is not null)
        {
            yield return Names.Height;
        }
    }
}
