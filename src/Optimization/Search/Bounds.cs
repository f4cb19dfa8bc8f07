using System.Globalization;

namespace HsoService.Optimization.Search;

/// <summary>A closed interval [Lower, Upper] for one search parameter.</summary>
public readonly record struct Bounds(double Lower, double Upper)
{
    public double Width => Upper - Lower;

    /// <summary>Maps u in [0, 1] onto the interval.</summary>
    public double FromUnit(double u) => Lower + u * Width;

    /// <summary>Throws naming <paramref name="field"/> unless both ends are finite and Lower &lt;= Upper.</summary>
    public void Validate(string field)
    {
        if (!double.IsFinite(Lower) || !double.IsFinite(Upper) || Lower > Upper)
        {
            throw new HsoArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{field} bounds [{Lower}, {Upper}] must be finite with lower <= upper"), field);
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"[{Lower}, {Upper}]");
}
