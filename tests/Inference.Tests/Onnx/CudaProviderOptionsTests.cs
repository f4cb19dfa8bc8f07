using HsoService.Inference.Onnx;

namespace HsoService.Inference.Tests.Onnx;

public sealed class CudaProviderOptionsTests
{
    [Fact]
    public void The_defaults_are_onnx_runtimes_own_and_set_no_memory_limit()
    {
        var options = CudaProviderOptions.From(new OnnxOptions());
        Assert.Equal(
            new Dictionary<string, string> { ["device_id"] = "0", ["cudnn_conv_algo_search"] = "EXHAUSTIVE", ["arena_extend_strategy"] = "kNextPowerOfTwo" },
            options);
    }

    [Fact]
    public void Each_setting_becomes_the_provider_option_onnx_runtime_documents()
    {
        var options = CudaProviderOptions.From(new OnnxOptions
        {
            CudaDeviceId = 2,
            CudnnConvAlgoSearch = CudnnConvAlgoSearch.Heuristic,
            CudaArenaExtendStrategy = CudaArenaExtendStrategy.SameAsRequested,
            CudaMemoryLimitMegabytes = 40_960,
        });
        Assert.Equal("2", options["device_id"]);
        Assert.Equal("HEURISTIC", options["cudnn_conv_algo_search"]);
        Assert.Equal("kSameAsRequested", options["arena_extend_strategy"]);
        Assert.Equal("42949672960", options["gpu_mem_limit"]);
        Assert.Equal("DEFAULT", CudaProviderOptions.From(new OnnxOptions { CudnnConvAlgoSearch = CudnnConvAlgoSearch.Default })["cudnn_conv_algo_search"]);
    }
}
