using HsoService.Inference.Models;
using Microsoft.Extensions.Options;

namespace HsoService.Api.Configuration;

/// <summary>
/// <c>Hso:Models</c> in either form: keyed by id (<c>Hso__Models__sd15__Path</c>), or as a list whose entries name
/// their id (<c>Hso__Models__0__Id=tiny-sd</c>, <c>Hso__Models__0__Path=...</c>), which a shell can set for ids with a
/// dash (a variable name cannot hold one). After this runs, <see cref="HsoServiceOptions.Models"/> is keyed by id
/// whichever form was used; an entry's <c>Id</c>, when given, is its id.
/// </summary>
public sealed class ModelList : IPostConfigureOptions<HsoServiceOptions>
{
    public void PostConfigure(string? name, HsoServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Models = ById(options.Models);
    }

    /// <summary>The models keyed by id; an id named twice, or not a plain name, is a <see cref="ModelLoadException"/>.</summary>
    public static Dictionary<string, ModelOptions> ById(Dictionary<string, ModelOptions> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var byId = new Dictionary<string, ModelOptions>(StringComparer.Ordinal);
        var from = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, model) in models.OrderBy(entry => entry.Key, StringComparer.Ordinal))
        {
            var id = string.IsNullOrWhiteSpace(model.Id) ? key : model.Id.Trim();
            if (!id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || id.Contains("..", StringComparison.Ordinal))
            {
                throw new ModelLoadException($"Hso:Models:{key}:Id is '{id}'; a model id may hold letters, digits, '-', '_' and '.'");
            }

            if (from.TryGetValue(id, out var first))
            {
                throw new ModelLoadException($"Hso:Models:{key} and Hso:Models:{first} both name the model {id}; give each model one entry");
            }

            from[id] = key;
            model.ConfiguredKey = key;
            byId[id] = model;
        }

        return byId;
    }
}
