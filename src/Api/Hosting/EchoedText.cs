namespace HsoService.Api.Hosting;

/// <summary>Client text echoed in an error message, cut so a hostile value cannot make the answer large.</summary>
public static class EchoedText
{
    public static string Shorten(string? text, int most = 64) => text is null ? "" : text.Length <= most ? text : text[..most] + "...";
}
