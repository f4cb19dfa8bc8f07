namespace HsoService.Api.Hosting;

/// <summary>Client text echoed in an error message, cut so a hostile value cannot make the answer large.</summary>
public static partial class EchoedText
{
    /// <summary>The most characters of one quoted value an error message echoes.</summary>
    public const int MostQuoted = 64;

    /// <summary>The most characters of an error's detail.</summary>
    public const int MostDetail = 1000;

    public static string Shorten(string? text, int most = MostQuoted) => text is null ? "" : text.Length <= most ? text : text[..most] + "...";

    /// <summary>
    /// An error detail with every quoted value ('...') cut to <see cref="MostQuoted"/> characters and the whole to
    /// <see cref="MostDetail"/>: messages from parsers that echo the whole value they refused stay small.
    /// </summary>
    public static string Cap(string detail) =>
        Shorten(QuotedValue().Replace(detail, m => $"'{Shorten(m.Groups["value"].Value)}'"), MostDetail);

    [System.Text.RegularExpressions.GeneratedRegex("'(?<value>[^']{65,})'")]
    private static partial System.Text.RegularExpressions.Regex QuotedValue();
}
