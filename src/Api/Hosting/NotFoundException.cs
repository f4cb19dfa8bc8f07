namespace HsoService.Api.Hosting;

/// <summary>A request named something this instance does not have (a model, a cached schedule): 404 naming the field.</summary>
public sealed class NotFoundException(string message, string field) : Exception(message)
{
    public string Field { get; } = field;
}
