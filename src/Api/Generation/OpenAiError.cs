namespace HsoService.Api.Generation;

/// <summary>
/// OpenAI's error object, added as <c>error</c> to the problem answers of the OpenAI-shaped route: OpenAI's clients
/// read their message from it, while the problem around it keeps the service's one error shape.
/// </summary>
/// <param name="Message">What was wrong (the problem's detail).</param>
/// <param name="Type">OpenAI's error type: invalid_request_error (4xx), rate_limit_error (429) or server_error (5xx).</param>
/// <param name="Param">The offending field, when one is to blame.</param>
/// <param name="Code">OpenAI's error code where one applies: invalid_api_key (401), model_not_found (404 for a model), rate_limit_exceeded (429).</param>
public sealed record OpenAiError(string Message, string Type, string? Param, string? Code)
{
    public static OpenAiError For(int status, string message, string? param) => new(
        message,
        status switch
        {
            429 => "rate_limit_error",
            >= 500 => "server_error",
            _ => "invalid_request_error",
        },
        param,
        status switch
        {
            401 => "invalid_api_key",
            404 when param == "model" => "model_not_found",
            429 => "rate_limit_exceeded",
            _ => null,
        });
}
