namespace HsoService.Api.Generation;

/// <summary>
/// Values of <c>X-Hso-Schedule-Source</c> for <c>auto</c>: a stored measured schedule (<c>validated</c>,
/// <c>selected</c>), or the solver's default family and why it was served instead.
/// </summary>
public static class AutoSources
{
    /// <summary>The selection is queued (or running); the default family is served until it is stored.</summary>
    public const string Pending = "family-default:selection-pending";

    /// <summary>The model has no feature extractor with reference statistics, so nothing can be measured.</summary>
    public const string NoScorer = "family-default:no-scorer";

    /// <summary>NFE above the optimizer's limit: nothing is measured or optimized for it.</summary>
    public const string AboveLimit = "family-default:nfe-above-limit";

    /// <summary>The store could not be read; the default family needs no store.</summary>
    public const string StoreUnavailable = "family-default:store-unavailable";
}
