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
    public IEnumerable<string> Present() =>
        new (string Name, object? Value)[]
        {
            (Names.ClassLabel, ClassLabel), (Names.Prompt, Prompt), (Names.NegativePrompt, NegativePrompt), (Names.Prompt2, Prompt2),
            (Names.NegativePrompt2, NegativePrompt2), (Names.Width, Width), (Names.Height, Height),
        }.Where(field => field.Value is not null).Select(field => field.Name);
}
