using HsoService.Inference.Text;
using HsoService.Inference.Pipelines;

namespace HsoService.Inference.Tests.Pipelines;

public class ClipTokenizerTests
{
    private static readonly ClipTokenizer Tokenizer = new(
        Path.Combine(Repository.TinySd, "tokenizer", "vocab.json"), Path.Combine(Repository.TinySd, "tokenizer", "merges.txt"));

    // Worked by hand from the fixture: "a" -> a</w> 320; "photo" merges p h, ph o, t o</w>, pho to</w> -> 519;
    // "of" -> o f</w> 520; "cat" merges a t</w>, c at</w> -> 513; "dog" merges d o, do g</w> -> 515;
    // in "dogs" g is not final, so do g</w> does not apply: do 514, g 70, s</w> 338; "!" -> !</w> 256.
    [Theory]
    [InlineData("a photo of a cat", new[] { 521, 320, 519, 520, 320, 513, 522 })]
    [InlineData("A   DOG", new[] { 521, 320, 515, 522 })]
    [InlineData("dogs!", new[] { 521, 514, 70, 338, 256, 522 })]
    [InlineData("", new[] { 521, 522 })]
    public void Encodes_prompts_to_the_ids_the_vocab_and_merges_give(string prompt, int[] expected)
    {
        var ids = Tokenizer.Encode(prompt);
        Assert.Equal(77, ids.Length);
        Assert.Equal(expected, ids.Take(expected.Length));
        Assert.All(ids.Skip(expected.Length), id => Assert.Equal(522, id));
    }

    [Fact]
    public void Long_prompts_are_cut_to_75_tokens_and_still_end_with_end_of_text()
    {
        var ids = Tokenizer.Encode(string.Join(' ', Enumerable.Repeat("cat", 100)));
        Assert.Equal(77, ids.Length);
        Assert.Equal(521, ids[0]);
        Assert.All(ids.Skip(1).Take(75), id => Assert.Equal(513, id));
        Assert.Equal(522, ids[76]);
    }
}
