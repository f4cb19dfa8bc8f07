namespace HsoService.Inference.Noise;

/// <summary>
/// Deterministic standard normal noise from a seed, the same on every machine and .NET version: xoshiro256**
/// (Blackman and Vigna, 2018) seeded through SplitMix64, uniforms from its top 53 bits, normals by the Box-Muller
/// transform (two per pair of uniforms), computed in double and rounded to float. Image i of a request with seed s
/// uses seed s + i, so one image of a batch can be reproduced alone.
/// </summary>
public static class GaussianNoise
{
    /// <summary>Fills <paramref name="destination"/> with N(0, 1) samples of the stream for <paramref name="seed"/>.</summary>
    public static void Fill(long seed, Span<float> destination)
    {
        var state = Seed((ulong)seed);
        for (var i = 0; i < destination.Length; i += 2)
        {
            // u1 in (0, 1] so the logarithm is finite; u2 in [0, 1).
            var u1 = 1.0 - Uniform(ref state);
            var u2 = Uniform(ref state);
            var radius = Math.Sqrt(-2.0 * Math.Log(u1));
            var angle = 2.0 * Math.PI * u2;
            destination[i] = (float)(radius * Math.Cos(angle));
            if (i + 1 < destination.Length)
            {
                destination[i + 1] = (float)(radius * Math.Sin(angle));
            }
        }
    }

    private struct State
    {
        public ulong S0, S1, S2, S3;
    }

    private static State Seed(ulong seed)
    {
        static ulong SplitMix(ref ulong x)
        {
            var z = x += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        var x = seed;
        return new State { S0 = SplitMix(ref x), S1 = SplitMix(ref x), S2 = SplitMix(ref x), S3 = SplitMix(ref x) };
    }

    private static double Uniform(ref State s)
    {
        var result = ulong.RotateLeft(s.S1 * 5, 7) * 9;
        var t = s.S1 << 17;
        s.S2 ^= s.S0;
        s.S3 ^= s.S1;
        s.S1 ^= s.S2;
        s.S0 ^= s.S3;
        s.S2 ^= t;
        s.S3 = ulong.RotateLeft(s.S3, 45);
        return (result >> 11) * (1.0 / (1UL << 53));
    }
}
