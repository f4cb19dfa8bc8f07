using Microsoft.AspNetCore.Http.HttpResults;

namespace HsoService.Api.Endpoints;

/// <summary>RFC 9457 problems the endpoints return themselves, written like every other problem (ProblemDefaults).</summary>
public static class Problems
{
    public static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not Found");

    public static ProblemHttpResult Forbidden(string detail) => TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");

    public static ProblemHttpResult Conflict(string detail) => TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");
}
