using Google.Protobuf;

namespace HsoService.Inference.Text;

/// <summary>
/// T5's <c>spiece.model</c> has no beginning-of-sentence piece (trainer_spec.bos_id = -1), which Microsoft.ML.Tokenizers
/// 2.0.1's unigram model indexes anyway (it assumes bos_id >= 0; dotnet/machinelearning#7409) and fails with
/// IndexOutOfRangeException. The T5 pipelines never emit a BOS, so the model is handed over with bos_id set to the
/// end-of-sentence id: every piece keeps its id, and the tokenizer's ids are unchanged. Every other field is copied
/// as it is.
/// </summary>
internal static class SentencePieceModelPatch
{
    private const int TrainerSpecField = 2;
    private const int BosIdField = 41;
    private const int EosIdField = 42;

    public static byte[] WithBosIfMissing(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var output = new MemoryStream();
        var writer = new CodedOutputStream(output);
        var input = new CodedInputStream(model);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == TrainerSpecField && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                writer.WriteTag(tag);
                writer.WriteBytes(ByteString.CopyFrom(PatchTrainerSpec(input.ReadBytes().ToByteArray())));
            }
            else
            {
                Copy(input, writer, tag);
            }
        }

        writer.Flush();
        return output.ToArray();
    }

    private static byte[] PatchTrainerSpec(byte[] spec)
    {
        var input = new CodedInputStream(spec);
        var output = new MemoryStream();
        var writer = new CodedOutputStream(output);
        int? bos = null;
        var eos = 2; // sentencepiece's default eos_id
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case BosIdField:
                    bos = input.ReadInt32();
                    break;
                case EosIdField:
                    eos = input.ReadInt32();
                    writer.WriteTag(tag);
                    writer.WriteInt32(eos);
                    break;
                default:
                    Copy(input, writer, tag);
                    break;
            }
        }

        // sentencepiece's default bos_id is 1; only an explicit -1 (no BOS piece) needs the stand-in.
        writer.WriteTag(BosIdField, WireFormat.WireType.Varint);
        writer.WriteInt32(bos is < 0 ? eos : bos ?? 1);
        writer.Flush();
        return output.ToArray();
    }

    private static void Copy(CodedInputStream input, CodedOutputStream writer, uint tag)
    {
        writer.WriteTag(tag);
        switch (WireFormat.GetTagWireType(tag))
        {
            case WireFormat.WireType.Varint:
                writer.WriteUInt64(input.ReadUInt64());
                break;
            case WireFormat.WireType.Fixed32:
                writer.WriteFixed32(input.ReadFixed32());
                break;
            case WireFormat.WireType.Fixed64:
                writer.WriteFixed64(input.ReadFixed64());
                break;
            case WireFormat.WireType.LengthDelimited:
                writer.WriteBytes(input.ReadBytes());
                break;
            default:
                throw new InvalidDataException($"unsupported protobuf wire type in field {WireFormat.GetTagFieldNumber(tag)}");
        }
    }
}
