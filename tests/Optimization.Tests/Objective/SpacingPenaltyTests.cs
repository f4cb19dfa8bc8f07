using HsoService.Optimization.Objective;

namespace HsoService.Optimization.Tests.Objective;

public class SpacingPenaltyTests
{
    [Theory]
    [InlineData(3, 0.15)]
    [InlineData(4, 0.15)]
    [InlineData(5, 0.14125)]
    [InlineData(8, 0.115)]
    [InlineData(10, 0.0975)]
    [InlineData(20, 0.01)]
    [InlineData(50, 0.01)]
    public void Minimum_gap_follows_the_spec(int nfe, double expected)
    {
        Assert.Equal(expected, SpacingPenalty.MinimumGap(nfe), 12);
    }

    [Fact]
    public void Penalty_is_1e9_times_the_squared_shortfalls_over_sorted_times()
    {
        // NFE 4: d_min = 0.15. Gaps 0.1 (short by 0.05) and 0.5 and 0.05 (short by 0.1), given unsorted.
        var times = new[] { 0.6, 0.1, 0.5, 0.05 };
        Assert.Equal(1e9 * (0.05 * 0.05 + 0.1 * 0.1), SpacingPenalty.Value(times, 4), 3);
        Assert.Equal(0.0, SpacingPenalty.Value([0.96, 0.7, 0.4, 0.03], 4));
    }
}
