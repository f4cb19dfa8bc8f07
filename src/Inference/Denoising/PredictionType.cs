using HsoService.Optimization;

namespace HsoService.Inference.Denoising;

/// <summary>What a diffusion network predicts, as diffusers' <c>prediction_type</c> names it.</summary>
public enum PredictionType
{
    /// <summary><c>epsilon</c>: the noise eps in x = alpha x0 + sigma eps.</summary>
    Epsilon,

    /// <summary><c>v_prediction</c>: v = alpha eps - sigma x0 (Salimans and Ho, 2022).</summary>
    VPrediction,

    /// <summary><c>sample</c>: the clean data x0 itself.</summary>
    Sample,

    /// <summary><c>flow_prediction</c>: a rectified flow's velocity v = eps - x0 at x = (1 - s) x0 + s eps.</summary>
    FlowVelocity,
}

/// <summary>Parsing of <see cref="PredictionType"/> from scheduler configs.</summary>
public static class PredictionTypes
{
    public static PredictionType Parse(string name) => name switch
    {
        "epsilon" => PredictionType.Epsilon,
        "v_prediction" => PredictionType.VPrediction,
        "sample" => PredictionType.Sample,
        "flow_prediction" => PredictionType.FlowVelocity,
        _ => throw new HsoArgumentException($"prediction_type '{name}' is not one of epsilon, v_prediction, sample, flow_prediction", "prediction_type"),
    };
}
