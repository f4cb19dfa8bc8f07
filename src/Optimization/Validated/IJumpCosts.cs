namespace HsoService.Optimization.Validated;

/// <summary>
/// Teacher trajectories on a fine grid of times: the error of one first-order step from grid point i straight to grid
/// point j (j = <see cref="Grid"/>.Count stands for the end, sigma = 0), against the teacher's own state there.
/// </summary>
public interface IJumpCosts
{
    /// <summary>The grid's times, descending; the first is where every path starts.</summary>
    IReadOnlyList<double> Grid { get; }

    /// <summary>Mean error of the step from grid point <paramref name="from"/> to <paramref name="to"/> (from &lt; to &lt;= Grid.Count).</summary>
    double Cost(int from, int to);
}
