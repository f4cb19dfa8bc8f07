using Microsoft.AspNetCore.Mvc;

namespace HsoService.Api.Endpoints;

/// <summary>RFC 9457 problem details the endpoints return themselves.</summary>
public static class Problems
{
    public static ProblemDetails NotFound(string detail) => new()
    {
        Status = StatusCodes.Status404NotFound,
        Title = "Not found",
        Detail = detail,
        Type = "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.5",
    };

    public static ProblemDetails Conflict(string detail) => new()
    {
        Status = StatusCodes.Status409Conflict,
        Title = "Conflict",
        Detail = detail,
        Type = "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.10",
    };
}
