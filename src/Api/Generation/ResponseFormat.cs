namespace HsoService.Api.Generation;

/// <summary>How <c>/generate</c> answers: the PNG itself (one image), or JSON with base64 PNGs.</summary>
public enum ResponseFormat
{
    Png,
    B64Json,
}
