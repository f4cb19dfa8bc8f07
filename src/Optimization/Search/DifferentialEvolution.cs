namespace HsoService.Optimization.Search;

/// <summary>
/// Differential evolution (Storn and Price, 1997) with the choices of scipy's <c>differential_evolution</c> defaults,
/// which HSO's reference uses: strategy best1bin, mutation factor dithered per generation in [0.5, 1), crossover 0.7,
/// Latin-hypercube initial population of <c>populationSize x dimensions</c> members, deferred updating (a whole
/// generation of trials is scored before selection), an out-of-bounds trial coordinate redrawn uniformly, and the stop
/// rule std(fitness) &lt;= atol + tol |mean(fitness)|. Parameters live in the unit cube and are mapped onto the bounds.
/// Deterministic for a seed: every draw comes from one <see cref="Random"/> seeded with it (.NET's seeded generator
/// is stable across platforms), so the stream differs from numpy's and results match scipy in quality, not bit for bit.
/// </summary>
public sealed class DifferentialEvolution(
    int populationSize = 20,
    int maxIterations = 60,
    double tolerance = 0.01,
    double absoluteTolerance = 0,
    double mutationLow = 0.5,
    double mutationHigh = 1.0,
    double recombination = 0.7)
{
    /// <summary>The outcome: the best point (in bound units), its fitness, generations run and fitness evaluations.</summary>
    public sealed record Result(double[] Best, double Fitness, int Generations, int Evaluations, bool Converged);

    /// <summary>Minimises <paramref name="fitness"/> over the box <paramref name="bounds"/>.</summary>
    /// <param name="onGeneration">Called after each generation with (generation, maxIterations): progress for callers.</param>
    public Result Minimize(
        Func<double[], double> fitness,
        IReadOnlyList<Bounds> bounds,
        int seed,
        Action<int, int>? onGeneration = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fitness);
        ArgumentNullException.ThrowIfNull(bounds);
        var dimensions = bounds.Count;
        var members = populationSize * dimensions;
        if (members < 5)
        {
            throw new ArgumentOutOfRangeException(nameof(populationSize), populationSize, "best1bin needs at least 5 members");
        }

        var random = new Random(seed);
        var population = LatinHypercube(members, dimensions, random);
        var energies = new double[members];
        var evaluations = 0;
        double Score(double[] unit)
        {
            evaluations++;
            var value = fitness(ToBounds(unit, bounds));
            return double.IsNaN(value) ? double.PositiveInfinity : value;
        }

        for (var i = 0; i < members; i++)
        {
            energies[i] = Score(population[i]);
        }

        PromoteBest(population, energies);
        var trials = new double[members][];
        var trialEnergies = new double[members];
        var generation = 0;
        var converged = false;
        while (generation < maxIterations && !converged)
        {
            cancellationToken.ThrowIfCancellationRequested();
            generation++;
            var scale = mutationLow + random.NextDouble() * (mutationHigh - mutationLow);
            for (var i = 0; i < members; i++)
            {
                trials[i] = Trial(population, i, scale, random);
            }

            for (var i = 0; i < members; i++)
            {
                trialEnergies[i] = Score(trials[i]);
            }

            for (var i = 0; i < members; i++)
            {
                if (trialEnergies[i] < energies[i])
                {
                    population[i] = trials[i];
                    energies[i] = trialEnergies[i];
                }
            }

            PromoteBest(population, energies);
            onGeneration?.Invoke(generation, maxIterations);
            converged = HasConverged(energies);
        }

        return new Result(ToBounds(population[0], bounds), energies[0], generation, evaluations, converged);
    }

    private double[] Trial(double[][] population, int candidate, double scale, Random random)
    {
        var members = population.Length;
        var dimensions = population[0].Length;
        int first, second;
        do
        {
            first = random.Next(members);
        }
        while (first == candidate);

        do
        {
            second = random.Next(members);
        }
        while (second == candidate || second == first);

        var best = population[0];
        var trial = (double[])population[candidate].Clone();
        var forced = random.Next(dimensions);
        for (var d = 0; d < dimensions; d++)
        {
            // best1bin: mutant = best + F (x_r1 - x_r2), taken per coordinate with probability CR (one coordinate always).
            if (d == forced || random.NextDouble() < recombination)
            {
                trial[d] = best[d] + scale * (population[first][d] - population[second][d]);
            }

            if (trial[d] is < 0 or > 1)
            {
                trial[d] = random.NextDouble();
            }
        }

        return trial;
    }

    private bool HasConverged(double[] energies)
    {
        if (energies.Any(double.IsInfinity))
        {
            return false;
        }

        var mean = energies.Average();
        var variance = energies.Sum(e => (e - mean) * (e - mean)) / energies.Length;
        return Math.Sqrt(variance) <= absoluteTolerance + tolerance * Math.Abs(mean);
    }

    private static double[][] LatinHypercube(int members, int dimensions, Random random)
    {
        var population = new double[members][];
        for (var i = 0; i < members; i++)
        {
            population[i] = new double[dimensions];
        }

        // One sample per stratum [i/M, (i+1)/M) in every dimension, strata shuffled independently per dimension.
        var order = new int[members];
        for (var d = 0; d < dimensions; d++)
        {
            for (var i = 0; i < members; i++)
            {
                order[i] = i;
            }

            random.Shuffle(order);
            for (var i = 0; i < members; i++)
            {
                population[i][d] = (order[i] + random.NextDouble()) / members;
            }
        }

        return population;
    }

    private static void PromoteBest(double[][] population, double[] energies)
    {
        var best = 0;
        for (var i = 1; i < energies.Length; i++)
        {
            if (energies[i] < energies[best])
            {
                best = i;
            }
        }

        (population[0], population[best]) = (population[best], population[0]);
        (energies[0], energies[best]) = (energies[best], energies[0]);
    }

    private static double[] ToBounds(double[] unit, IReadOnlyList<Bounds> bounds)
    {
        var point = new double[unit.Length];
        for (var d = 0; d < unit.Length; d++)
        {
            point[d] = bounds[d].FromUnit(unit[d]);
        }

        return point;
    }
}
