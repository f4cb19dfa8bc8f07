using System.Globalization;
using System.Text.Json;

namespace HsoService.Optimization.NoiseSchedules;

/// <summary>
/// The fields of a diffusers <c>scheduler_config.json</c> that define the trained noise schedule and the usual
/// inference conventions. Fields that do not change the noise schedule (<c>clip_sample</c>, <c>solver_order</c>, ...)
/// are ignored; every known field is validated, and a bad one raises <see cref="InvalidSchedulerConfigException"/>
/// naming it, as does anything that would change it in a way this service cannot represent (zero-terminal-SNR
/// rescaling, variance-exploding schedulers). A <c>FlowMatch*</c> scheduler config is a rectified flow: its shift
/// settings are read into <see cref="FlowMatch"/> and its prediction type is <c>flow_prediction</c> (the velocity).
/// </summary>
public sealed partial record SchedulerConfig
{
    /// <summary>Values diffusers accepts for <c>prediction_type</c>.</summary>
    public static readonly IReadOnlyList<string> PredictionTypes = ["epsilon", "v_prediction", "sample"];

    /// <summary>The prediction type of a flow-matching model: the velocity eps - x0 (diffusers' name for it).</summary>
    public const string FlowPrediction = "flow_prediction";

    /// <summary>Values diffusers accepts for <c>timestep_spacing</c>.</summary>
    public static readonly IReadOnlyList<string> TimestepSpacings = ["linspace", "leading", "trailing"];

    /// <summary>Names accepted in <c>beta_schedule</c>.</summary>
    public static readonly IReadOnlyList<string> BetaScheduleNames = ["linear", "scaled_linear", "squaredcos_cap_v2"];

    public int NumTrainTimesteps { get; init; } = 1000;
    public double BetaStart { get; init; } = 0.0001;
    public double BetaEnd { get; init; } = 0.02;
    public BetaScheduleKind BetaSchedule { get; init; } = BetaScheduleKind.Linear;

    /// <summary>The beta schedule as diffusers names it (<c>trained_betas</c> for explicit betas).</summary>
    public string BetaScheduleName => BetaSchedule == BetaScheduleKind.Trained ? "trained_betas" : BetaScheduleNames[(int)BetaSchedule];
    public IReadOnlyList<double>? TrainedBetas { get; init; }
    public string PredictionType { get; init; } = "epsilon";
    public string TimestepSpacing { get; init; } = "linspace";
    public int StepsOffset { get; init; }

    /// <summary>The shift settings of a flow-matching scheduler; null for a DDPM-family one.</summary>
    public FlowMatchSettings? FlowMatch { get; init; }

    /// <summary>Parses the JSON text of a <c>scheduler_config.json</c>.</summary>
    public static SchedulerConfig Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(QuoteNonFiniteLiterals(json));
        }
        catch (JsonException e)
        {
            throw new InvalidSchedulerConfigException("$", $"not valid JSON ({e.Message})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidSchedulerConfigException("$", $"expected a JSON object, got {root.ValueKind}");
            }

            if (IsFlowMatch(root))
            {
                var flow = new SchedulerConfig
                {
                    NumTrainTimesteps = ReadInt(root, "num_train_timesteps", 1000),
                    PredictionType = FlowPrediction,
                    TimestepSpacing = "trailing",
                    FlowMatch = FlowMatchSettings.Read(root),
                };
                flow.Validate();
                return flow;
            }

            RefuseUnrepresentable(root);
            var defaults = new SchedulerConfig();
            var trained = ReadTrainedBetas(root);
            var config = new SchedulerConfig
            {
                NumTrainTimesteps = ReadInt(root, "num_train_timesteps", trained?.Count ?? defaults.NumTrainTimesteps),
                BetaStart = ReadDouble(root, "beta_start", defaults.BetaStart),
                BetaEnd = ReadDouble(root, "beta_end", defaults.BetaEnd),
                BetaSchedule = trained is null ? ReadBetaSchedule(root) : BetaScheduleKind.Trained,
                TrainedBetas = trained,
                PredictionType = ReadString(root, "prediction_type", defaults.PredictionType),
                TimestepSpacing = ReadString(root, "timestep_spacing", defaults.TimestepSpacing),
                StepsOffset = ReadInt(root, "steps_offset", 0),
            };
            config.Validate();
            return config;
        }
    }

    private static bool IsFlowMatch(JsonElement root) =>
        root.TryGetProperty("_class_name", out var name) && name.ValueKind == JsonValueKind.String
        && name.GetString()!.StartsWith("FlowMatch", StringComparison.Ordinal);

    /// <summary>
    /// Refuses, naming the field, a config this service would otherwise misread: an EDM or variance-exploding
    /// scheduler (no DDPM alphas to read), flow settings on a DDPM-family scheduler, and zero-terminal-SNR rescaling (alpha = 0 at the last trained step, where
    /// every solver here divides by alpha), which would otherwise be ignored.
    /// </summary>
    private static void RefuseUnrepresentable(JsonElement root)
    {
        if (root.TryGetProperty("_class_name", out var name) && name.ValueKind == JsonValueKind.String
            && UnsupportedSchedulers.FirstOrDefault(prefix => name.GetString()!.StartsWith(prefix, StringComparison.Ordinal)) is not null)
        {
            throw new InvalidSchedulerConfigException("_class_name", $"'{name.GetString()}' is not a DDPM-family or flow-matching scheduler (EDM and variance-exploding schedulers have no trained alphas this service can read); use a DDPM, DDIM, DPMSolverMultistep, UniPCMultistep, EulerDiscrete or FlowMatchEulerDiscrete config");
        }

        foreach (var field in new[] { "shift", "use_dynamic_shifting" })
        {
            if (root.TryGetProperty(field, out _))
            {
                throw new InvalidSchedulerConfigException(field, "is a flow-matching setting on a DDPM-family scheduler; a flow model's config is read from a FlowMatchEulerDiscreteScheduler config (_class_name FlowMatchEulerDiscreteScheduler)");
            }
        }

        if (root.TryGetProperty("use_flow_sigmas", out var flowSigmas) && flowSigmas.ValueKind == JsonValueKind.True)
        {
            throw new InvalidSchedulerConfigException("use_flow_sigmas", "true is not supported on a DDPM-family scheduler; serve a flow model with its FlowMatchEulerDiscreteScheduler config; allowed: false");
        }

        if (root.TryGetProperty("rescale_betas_zero_snr", out var rescale) && rescale.ValueKind != JsonValueKind.False && rescale.ValueKind != JsonValueKind.Null)
        {
            throw new InvalidSchedulerConfigException("rescale_betas_zero_snr", $"{rescale.GetRawText()} is not supported: zero terminal SNR puts alpha = 0 at the last trained step, where these solvers divide by alpha; allowed: false");
        }
    }

    /// <summary>Scheduler classes (by name prefix) whose configs describe no DDPM noise schedule.</summary>
    private static readonly string[] UnsupportedSchedulers = ["EDM", "ScoreSdeVe", "KarrasVe", "CMStochastic"];

    /// <summary>Checks every field and throws <see cref="InvalidSchedulerConfigException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (NumTrainTimesteps is < 2 or > 100_000)
        {
            throw new InvalidSchedulerConfigException("num_train_timesteps", $"{NumTrainTimesteps} is outside the allowed range 2..100000");
        }

        if (FlowMatch is not null)
        {
            FlowMatch.Validate();
            if (PredictionType != FlowPrediction)
            {
                throw new InvalidSchedulerConfigException("prediction_type", $"'{PredictionType}': a flow-matching model predicts the velocity ({FlowPrediction})");
            }

            return;
        }

        if (BetaSchedule == BetaScheduleKind.Trained)
        {
            if (TrainedBetas is null || TrainedBetas.Count != NumTrainTimesteps)
            {
                throw new InvalidSchedulerConfigException("trained_betas", $"has {TrainedBetas?.Count ?? 0} values but num_train_timesteps is {NumTrainTimesteps}");
            }

            for (var i = 0; i < TrainedBetas.Count; i++)
            {
                var b = TrainedBetas[i];
                if (!double.IsFinite(b) || b <= 0 || b >= 1)
                {
                    throw new InvalidSchedulerConfigException("trained_betas", $"value [{i}] = {Format(b)} is not a finite number in (0, 1)");
                }
            }
        }
        else if (BetaSchedule != BetaScheduleKind.SquaredCosCapV2)
        {
            CheckBeta("beta_start", BetaStart);
            CheckBeta("beta_end", BetaEnd);
        }

        if (!PredictionTypes.Contains(PredictionType))
        {
            throw new InvalidSchedulerConfigException("prediction_type", $"'{PredictionType}' is not one of {string.Join(", ", PredictionTypes)}");
        }

        if (!TimestepSpacings.Contains(TimestepSpacing))
        {
            throw new InvalidSchedulerConfigException("timestep_spacing", $"'{TimestepSpacing}' is not one of {string.Join(", ", TimestepSpacings)}");
        }

        if (StepsOffset < 0 || StepsOffset >= NumTrainTimesteps)
        {
            throw new InvalidSchedulerConfigException("steps_offset", $"{StepsOffset} is outside 0..{NumTrainTimesteps - 1}");
        }
    }

    /// <summary>
    /// Python's json module writes NaN and Infinity bare, which is not JSON; quote them so that validation can name the
    /// field that holds one instead of failing on the whole document.
    /// </summary>
    private static string QuoteNonFiniteLiterals(string json) =>
        NonFiniteLiteral().Replace(json, "\"$1\"");

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<=[\[,:]\s*)(-?Infinity|NaN)(?=\s*[,\]\}])")]
    private static partial System.Text.RegularExpressions.Regex NonFiniteLiteral();

    private static void CheckBeta(string field, double value)
    {
        if (!double.IsFinite(value) || value <= 0 || value >= 1)
        {
            throw new InvalidSchedulerConfigException(field, $"{Format(value)} is not a finite number in (0, 1)");
        }
    }

    private static BetaScheduleKind ReadBetaSchedule(JsonElement root)
    {
        var name = ReadString(root, "beta_schedule", "linear");
        return name switch
        {
            "linear" => BetaScheduleKind.Linear,
            "scaled_linear" => BetaScheduleKind.ScaledLinear,
            "squaredcos_cap_v2" => BetaScheduleKind.SquaredCosCapV2,
            _ => throw new InvalidSchedulerConfigException(
                "beta_schedule", $"'{name}' is not supported; allowed: {string.Join(", ", BetaScheduleNames)} (or give trained_betas)"),
        };
    }

    private static List<double>? ReadTrainedBetas(JsonElement root)
    {
        if (!root.TryGetProperty("trained_betas", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidSchedulerConfigException("trained_betas", $"expected an array of numbers, got {element.ValueKind}");
        }

        var betas = new List<double>(element.GetArrayLength());
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            betas.Add(ReadNumber(item, $"trained_betas[{index++}]"));
        }

        return betas;
    }

    private static double ReadNumber(JsonElement element, string field)
    {
        // JSON has no NaN; Python's json.dump writes NaN/Infinity bare and some tools quote them, so accept both spellings
        // here and let validation reject them with the field's name.
        if (element.ValueKind == JsonValueKind.Number)
        {
            return element.GetDouble();
        }

        if (element.ValueKind == JsonValueKind.String
            && double.TryParse(element.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed;
        }

        throw new InvalidSchedulerConfigException(field, $"expected a number, got {element.GetRawText()}");
    }

    private static double ReadDouble(JsonElement root, string field, double fallback) =>
        root.TryGetProperty(field, out var element) && element.ValueKind != JsonValueKind.Null ? ReadNumber(element, field) : fallback;

    private static int ReadInt(JsonElement root, string field, int fallback)
    {
        if (!root.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var value))
        {
            return value;
        }

        throw new InvalidSchedulerConfigException(field, $"expected an integer, got {element.GetRawText()}");
    }

    private static string ReadString(JsonElement root, string field, string fallback)
    {
        if (!root.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        return element.ValueKind == JsonValueKind.String
            ? element.GetString()!
            : throw new InvalidSchedulerConfigException(field, $"expected a string, got {element.GetRawText()}");
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
