using HsoService.Optimization.NoiseSchedules;
using HsoService.Optimization.Schedules;

namespace HsoService.Optimization.Validated;

/// <summary>
/// The trajectory strategy's dynamic program (after GITS): of every path from the grid's first point through NFE
/// evaluated grid points to sigma = 0, the one whose one-step jumps add up to the least error on the teacher
/// trajectories. The jumps are first order for every solver: a pairwise cost cannot see a multistep solver's history,
/// and GITS found the first-order path carries over to higher-order solvers.
/// </summary>
public static class TrajectoryProgram
{
    /// <summary>Indices of the NFE evaluated grid points of the cheapest path (the first is 0).</summary>
    public static int[] CheapestPath(IJumpCosts costs, int nfe)
    {
        ArgumentNullException.ThrowIfNull(costs);
        var points = costs.Grid.Count;
        if (nfe < 1 || nfe > points)
        {
            throw new HsoArgumentException($"nfe must be in 1..{points} (the teacher grid's points), got {nfe}", "nfe");
        }

        // best[k, j]: least total error of k jumps from point 0 to point j; node `points` is the end.
        var best = new double[nfe + 1, points + 1];
        var from = new int[nfe + 1, points + 1];
        for (var k = 0; k <= nfe; k++)
        {
            for (var j = 0; j <= points; j++)
            {
                best[k, j] = double.PositiveInfinity;
            }
        }

        best[0, 0] = 0;
        for (var k = 1; k <= nfe; k++)
        {
            // The end is reached only by the last jump; the other jumps land on grid points.
            var (low, high) = k == nfe ? (points, points) : (k, points - 1);
            for (var j = low; j <= high; j++)
            {
                for (var i = k - 1; i < j; i++)
                {
                    if (i == points || double.IsPositiveInfinity(best[k - 1, i]))
                    {
                        continue;
                    }

                    var total = best[k - 1, i] + costs.Cost(i, j);
                    if (total < best[k, j])
                    {
                        (best[k, j], from[k, j]) = (total, i);
                    }
                }
            }
        }

        var path = new int[nfe];
        var node = points;
        for (var k = nfe; k >= 1; k--)
        {
            node = from[k, node];
            path[k - 1] = node;
        }

        return path;
    }

    /// <summary>
    /// The cheapest path as a schedule's times for the solver: its NFE evaluated points, and for the multistep solvers
    /// one more, the noise schedule's first trained time, which the default finish (to sigma = 0) does not evaluate.
    /// The grid's points must lie above that time.
    /// </summary>
    public static double[] Times(NoiseSchedule noise, IJumpCosts costs, SolverKind solver, int nfe)
    {
        ArgumentNullException.ThrowIfNull(noise);
        var evaluated = CheapestPath(costs, nfe).Select(i => costs.Grid[i]).ToArray();
        return solver == SolverKind.Ddim ? evaluated : [.. evaluated, noise.TMin];
    }
}
