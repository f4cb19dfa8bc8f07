using HsoService.Optimization.Search;

namespace HsoService.Optimization.Tests.Search;

public sealed class NelderMeadTests
{
    [Fact]
    public void Finds_the_minimum_of_the_Rosenbrock_function()
    {
        var result = NelderMead.Minimize(
            x => Math.Pow(1 - x[0], 2) + 100 * Math.Pow(x[1] - x[0] * x[0], 2),
            [-1.2, 1.0],
            [0.5, 0.5],
            maxCalls: 2000,
            tolerance: 1e-10);

        Assert.Equal(1.0, result.Point[0], 3);
        Assert.Equal(1.0, result.Point[1], 3);
        Assert.True(result.Value < 1e-6, $"value {result.Value}");
        Assert.True(result.Calls <= 2000);
    }

    [Fact]
    public void Never_calls_the_objective_more_than_allowed_and_returns_the_best_point_seen()
    {
        var calls = 0;
        var result = NelderMead.Minimize(x => { calls++; return (x[0] - 3) * (x[0] - 3) + (x[1] + 2) * (x[1] + 2) + x[2] * x[2]; }, [0, 0, 0], [1, 1, 1], maxCalls: 17);

        Assert.Equal(17, calls);
        Assert.Equal(17, result.Calls);
        Assert.True(result.Value < 13, $"the start scores 13; best {result.Value}");
    }

    [Fact]
    public void A_null_value_ends_the_search_and_infinite_values_are_avoided()
    {
        var calls = 0;
        var result = NelderMead.Minimize(
            x =>
            {
                if (++calls > 25)
                {
                    return null;
                }

                // Infeasible left of 0.5: the simplex must stay right of it while descending towards it.
                return x[0] < 0.5 ? double.PositiveInfinity : (x[0] - 0.2) * (x[0] - 0.2);
            },
            [2.0],
            [0.5],
            maxCalls: 1000);

        Assert.Equal(26, calls);
        Assert.Equal(26, result.Calls);
        Assert.InRange(result.Point[0], 0.5, 0.7);
    }

    [Fact]
    public void Cancellation_stops_the_search()
    {
        using var cancel = new CancellationTokenSource();
        var calls = 0;
        Assert.Throws<OperationCanceledException>(() => NelderMead.Minimize(
            x =>
            {
                if (++calls == 5)
                {
                    cancel.Cancel();
                }

                return x[0] * x[0];
            },
            [1.0],
            [0.1],
            maxCalls: 100,
            cancellationToken: cancel.Token));
        Assert.Equal(5, calls);
    }
}
