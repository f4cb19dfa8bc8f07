using System.Text.Json;
using System.Text.RegularExpressions;
using HsoService.Inference.Models;
using Microsoft.ML.Tokenizers;

namespace HsoService.Inference.Pipelines;

/// <summary>
/// CLIP's byte-level BPE tokenizer from a <c>vocab.json</c> and <c>merges.txt</c> (Microsoft.ML.Tokenizers' BPE with
/// CLIP's pre-tokenizer pattern and the <c>&lt;/w&gt;</c> end-of-word suffix). Text is lower-cased and its whitespace
/// collapsed, as CLIP does; ids are [&lt;|startoftext|&gt;, tokens..., &lt;|endoftext|&gt;] padded with
/// &lt;|endoftext|&gt; to 77 (longer prompts are cut to 75 tokens). The special ids are read from the vocabulary.
/// </summary>
public sealed partial class ClipTokenizer
{
    public const int Length = 77;

    private readonly Tokenizer _bpe;

    public ClipTokenizer(string vocabPath, string mergesPath)
    {
        var vocabulary = ReadVocabulary(vocabPath);
        StartId = vocabulary.TryGetValue("<|startoftext|>", out var start)
            ? start
            : throw new ModelLoadException($"{vocabPath}: has no <|startoftext|> token");
        EndId = vocabulary.TryGetValue("<|endoftext|>", out var end)
            ? end
            : throw new ModelLoadException($"{vocabPath}: has no <|endoftext|> token");
        _bpe = BpeTokenizer.Create(new BpeOptions(vocabPath, mergesPath)
        {
            EndOfWordSuffix = "</w>",
            PreTokenizer = new RegexPreTokenizer(ClipPattern(), null),
        });
    }

    public int StartId { get; }

    public int EndId { get; }

    /// <summary>The 77 ids of one prompt.</summary>
    public int[] Encode(string text)
    {
        var cleaned = Whitespace().Replace(text ?? "", " ").Trim().ToLowerInvariant();
        var tokens = cleaned.Length == 0 ? [] : _bpe.EncodeToIds(cleaned);
        var ids = new int[Length];
        Array.Fill(ids, EndId);
        ids[0] = StartId;
        var count = Math.Min(tokens.Count, Length - 2);
        for (var i = 0; i < count; i++)
        {
            ids[i + 1] = tokens[i];
        }

        return ids;
    }

    private static Dictionary<string, int> ReadVocabulary(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(path))
                ?? throw new ModelLoadException($"{path}: empty vocabulary");
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{path}: not a JSON vocabulary ({e.Message})", e);
        }
    }

    // CLIP's pattern: special tokens, English contractions, letter runs, single digits, other non-space runs.
    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase)]
    private static partial Regex ClipPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
