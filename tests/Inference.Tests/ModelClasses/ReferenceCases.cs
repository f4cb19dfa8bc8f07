using System.Text.Json;

namespace HsoService.Inference.Tests.ModelClasses;

/// <summary>Reading a fixture's <c>reference.json</c> (what diffusers computed on its graphs) and comparing checksums with it.</summary>
internal static class ReferenceCases
{
    public static string Fixture(string name) => Path.Combine(Repository.Root, "tests", "fixtures", name);

    /// <summary>Case <paramref name="index"/> of a fixture's reference.json.</summary>
    public static JsonElement Case(string fixture, int index)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixture(fixture), "reference.json")));
        return document.RootElement.GetProperty("cases")[index].Clone();
    }

    public static float[] Floats(JsonElement array) => [.. array.EnumerateArray().Select(v => v.GetSingle())];

    public static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(v => v.GetInt32())];

    /// <summary>Asserts the first eight values, the mean and the mean absolute value within the tolerance; returns the worst of the eight.</summary>
    public static double AssertChecksums(JsonElement expected, float[] actual, double tolerance)
    {
        var first8 = Floats(expected.GetProperty("first8"));
        var worst = Enumerable.Range(0, 8).Max(i => Math.Abs(first8[i] - actual[i]));
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(first8[i], actual[i], tolerance);
        }

        Assert.Equal(expected.GetProperty("sum").GetDouble() / actual.Length, actual.Average(v => (double)v), tolerance);
        Assert.Equal(expected.GetProperty("abs_sum").GetDouble() / actual.Length, actual.Average(v => Math.Abs((double)v)), tolerance);
        return worst;
    }
}
