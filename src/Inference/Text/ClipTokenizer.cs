using System.Text.Json;
using System.Text.RegularExpressions;
using HsoService.Inference.Models;
using Microsoft.ML.Tokenizers;

namespace HsoService.Inference.Text;

/// <summary>
/// CLIP's byte-level BPE tokenizer from a <c>vocab.json</c> and <c>merges.txt</c> (Microsoft.ML.Tokenizers' BPE with
/// CLIP's pre-tokenizer pattern and the <c>&lt;/w&gt;</c> end-of-word suffix). Text is lower-cased and its whitespace
/// collapsed, as CLIP does; ids are [&lt;|startoftext|&gt;, tokens..., &lt;|endoftext|&gt;] padded to 77 with the
/// pad token (longer prompts are cut to 75 tokens). The pad token is <c>special_tokens_map.json</c>'s
/// <c>pad_token</c> beside the vocabulary when there is one (SDXL's second tokenizer pads with <c>!</c>), else
/// &lt;|endoftext|&gt;. The special ids are read from the vocabulary.
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
        var padToken = ReadPadToken(Path.Combine(Path.GetDirectoryName(vocabPath) ?? ".", "special_tokens_map.json"));
        PadId = padToken is null
            ? EndId
            : vocabulary.TryGetValue(padToken, out var pad)
                ? pad
                : throw new ModelLoadException($"{vocabPath}: has no pad token '{padToken}' (special_tokens_map.json's pad_token)");
        _bpe = BpeTokenizer.Create(new BpeOptions(vocabPath, mergesPath)
        {
            EndOfWordSuffix = "</w>",
            PreTokenizer = new RegexPreTokenizer(ClipPattern(), null),
        });
    }

    public int StartId { get; }

    public int EndId { get; }

    /// <summary>The id that fills the ids after &lt;|endoftext|&gt;.</summary>
    public int PadId { get; }

    /// <summary>The 77 ids of one prompt.</summary>
    public int[] Encode(string text)
    {
        var cleaned = Whitespace().Replace(text ?? "", " ").Trim().ToLowerInvariant();
        var tokens = cleaned.Length == 0 ? [] : _bpe.EncodeToIds(cleaned);
        var ids = new int[Length];
        Array.Fill(ids, PadId);
        ids[0] = StartId;
        var count = Math.Min(tokens.Count, Length - 2);
        for (var i = 0; i < count; i++)
        {
            ids[i + 1] = tokens[i];
        }

        ids[count + 1] = EndId;
        return ids;
    }

    // The pad_token of special_tokens_map.json: a string, or an object with "content" (transformers' AddedToken form).
    private static string? ReadPadToken(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            return document.RootElement.TryGetProperty("pad_token", out var pad)
                ? pad.ValueKind == JsonValueKind.String ? pad.GetString() : pad.TryGetProperty("content", out var content) ? content.GetString() : null
                : null;
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{path}: not valid JSON ({e.Message})", e);
        }
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
