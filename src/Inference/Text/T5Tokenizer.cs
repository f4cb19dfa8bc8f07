using HsoService.Inference.Models;
using Microsoft.ML.Tokenizers;

namespace HsoService.Inference.Text;

/// <summary>
/// T5's SentencePiece tokenizer from a <c>spiece.model</c> (Microsoft.ML.Tokenizers' SentencePiece, unigram or BPE),
/// as transformers' T5TokenizerFast encodes for diffusers' pipelines: the pieces, then <c>&lt;/s&gt;</c>, cut to
/// <c>max_sequence_length</c> (the end token kept) and padded with <c>&lt;pad&gt;</c> to it.
/// </summary>
public sealed class T5Tokenizer
{
    private readonly SentencePieceTokenizer _pieces;

    public T5Tokenizer(string modelPath)
    {
        try
        {
            using var stream = new MemoryStream(SentencePieceModelPatch.WithBosIfMissing(File.ReadAllBytes(modelPath)));
            _pieces = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: true);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or NotSupportedException or InvalidDataException or Google.Protobuf.InvalidProtocolBufferException or IndexOutOfRangeException)
        {
            throw new ModelLoadException($"{modelPath}: not a SentencePiece model this service can read ({e.Message})");
        }

        EndId = _pieces.EndOfSentenceId;
        PadId = _pieces.Vocabulary.TryGetValue("<pad>", out var pad)
            ? pad
            : throw new ModelLoadException($"{modelPath}: has no <pad> piece");
    }

    public int EndId { get; }

    public int PadId { get; }

    /// <summary>The ids of one prompt, exactly <paramref name="length"/> of them.</summary>
    public int[] Encode(string text, int length)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = _pieces.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false);
        var result = new int[length];
        Array.Fill(result, PadId);
        var kept = Math.Min(ids.Count, length - 1);
        for (var i = 0; i < kept; i++)
        {
            result[i] = ids[i];
        }

        result[kept] = EndId;
        return result;
    }
}
