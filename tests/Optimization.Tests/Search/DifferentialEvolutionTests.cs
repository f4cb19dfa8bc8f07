using HsoService.Optimization.Search;

namespace HsoService.Optimization.Tests.Search;

public class DifferentialEvolutionTests
{
    private static double Rosenbrock(double[] x) => 100 * Math.Pow(x[1] - x[0] * x[0], 2) + Math.Pow(1 - x[0], 2);

    [Fact]
    public void Finds_the_rosenbrock_minimum_inside_the_bounds()
    {
        var evolution = new DifferentialEvolution(populationSize: 15, maxIterations: 1000, tolerance: 1e-10);
        var result = evolution.Minimize(Rosenbrock, [new Bounds(-2, 2), new Bounds(-1, 3)], seed: 5);

        Assert.Equal(1.0, result.Best[0], 2);
        Assert.Equal(1.0, result.Best[1], 2);
        Assert.True(result.Fitness < 1e-4);
        Assert.True(result.Converged);
    }

    [Fact]
    public void Keeps_every_trial_inside_the_bounds()
    {
        var seen = new List<double[]>();
        var evolution = new DifferentialEvolution(populationSize: 10, maxIterations: 20, tolerance: 0);
        evolution.Minimize(x => { seen.Add(x); return -x[0] - x[1]; }, [new Bounds(0, 1), new Bounds(5, 6)], seed: 1);

        Assert.All(seen, x => Assert.InRange(x[0], 0, 1));
        Assert.All(seen, x => Assert.InRange(x[1], 5, 6));
        Assert.Equal(20 * 20 + 20, seen.Count); // initial population + one trial per member per generation
    }

    [Fact]
    public void Is_deterministic_for_a_seed()
    {
        var evolution = new DifferentialEvolution(populationSize: 10, maxIterations: 30);
        var a = evolution.Minimize(Rosenbrock, [new Bounds(-2, 2), new Bounds(-1, 3)], seed: 9);
        var b = evolution.Minimize(Rosenbrock, [new Bounds(-2, 2), new Bounds(-1, 3)], seed: 9);
        Assert.Equal(a.Best, b.Best);
        Assert.Equal(a.Evaluations, b.Evaluations);
    }
}
