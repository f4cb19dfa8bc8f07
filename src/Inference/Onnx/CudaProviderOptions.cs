using System.Globalization;

namespace HsoService.Inference.Onnx;

/// <summary>
/// <see cref="OnnxOptions"/> as the CUDA provider's string options (the keys of ONNX Runtime's CUDA execution provider
/// documentation), which <see cref="Microsoft.ML.OnnxRuntime.OrtCUDAProviderOptions.UpdateOptions"/> takes.
/// </summary>
public static class CudaProviderOptions
{
    public static Dictionary<string, string> From(OnnxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["device_id"] = options.CudaDeviceId.ToString(CultureInfo.InvariantCulture),
            ["cudnn_conv_algo_search"] = options.CudnnConvAlgoSearch switch
            {
                CudnnConvAlgoSearch.Exhaustive => "EXHAUSTIVE",
                CudnnConvAlgoSearch.Heuristic => "HEURISTIC",
                CudnnConvAlgoSearch.Default => "DEFAULT",
                var other => throw new ArgumentOutOfRangeException(nameof(options), other, "unknown cuDNN convolution search"),
            },
            ["arena_extend_strategy"] = options.CudaArenaExtendStrategy switch
            {
                CudaArenaExtendStrategy.NextPowerOfTwo => "kNextPowerOfTwo",
                CudaArenaExtendStrategy.SameAsRequested => "kSameAsRequested",
                var other => throw new ArgumentOutOfRangeException(nameof(options), other, "unknown arena extend strategy"),
            },
        };

        // Unset, ONNX Runtime's own default (SIZE_MAX: no limit) applies.
        if (options.CudaMemoryLimitMegabytes > 0)
        {
            values["gpu_mem_limit"] = ((long)options.CudaMemoryLimitMegabytes << 20).ToString(CultureInfo.InvariantCulture);
        }

        return values;
    }
}
