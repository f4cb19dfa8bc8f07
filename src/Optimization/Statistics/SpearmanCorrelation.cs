namespace HsoService.Optimization.Statistics;

/// <summary>Spearman's rank correlation: the Pearson correlation of the ranks, ties given their average rank.</summary>
public static class SpearmanCorrelation
{
    /// <summary>The correlation of two equally long series; NaN when fewer than 3 pairs or a series is constant.</summary>
    public static double Compute(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count)
        {
            throw new ArgumentException($"series lengths differ: {a.Count} and {b.Count}");
        }

        if (a.Count < 3)
        {
            return double.NaN;
        }

        var rankA = Ranks(a);
        var rankB = Ranks(b);
        var meanA = rankA.Average();
        var meanB = rankB.Average();
        double covariance = 0, varianceA = 0, varianceB = 0;
        for (var i = 0; i < a.Count; i++)
        {
            covariance += (rankA[i] - meanA) * (rankB[i] - meanB);
            varianceA += (rankA[i] - meanA) * (rankA[i] - meanA);
            varianceB += (rankB[i] - meanB) * (rankB[i] - meanB);
        }

        return varianceA == 0 || varianceB == 0 ? double.NaN : covariance / Math.Sqrt(varianceA * varianceB);
    }

    private static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]])
            {
                end++;
            }

            for (var k = start; k <= end; k++)
            {
                ranks[order[k]] = (start + end) / 2.0 + 1;
            }

            start = end + 1;
        }

        return ranks;
    }
}
