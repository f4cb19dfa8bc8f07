using Microsoft.ML.OnnxRuntime;

namespace HsoService.Inference.Onnx;

/// <summary>
/// Creates the sessions of every graph with one set of <see cref="OnnxOptions"/> (on CUDA, through the provider's
/// options: device, cuDNN convolution search, arena growth and limit; <see cref="CudaProviderOptions"/>). When CUDA is asked for but its
/// provider cannot load (no GPU, no CUDA 13 / cuDNN 9 libraries), it falls back to CPU for good and reports one warning;
/// <see cref="ActiveProvider"/> says what is really in use. Thread-safe.
/// </summary>
public sealed class OnnxSessionFactory(OnnxOptions options, Action<string>? onWarning = null)
{
    private readonly Lock _gate = new();
    private bool _cudaFailed;

    public OnnxOptions Options => options;

    /// <summary>The provider sessions actually use (CPU after a CUDA failure).</summary>
    public ExecutionProvider ActiveProvider => options.Provider == ExecutionProvider.Cuda && !_cudaFailed ? ExecutionProvider.Cuda : ExecutionProvider.Cpu;

    /// <summary>Opens one graph; <paramref name="displayName"/> (for example <c>unet/model.onnx</c>) appears in errors.</summary>
    public OnnxGraph Open(string path, string displayName)
    {
        lock (_gate)
        {
            if (ActiveProvider == ExecutionProvider.Cuda)
            {
                try
                {
                    // The provider's options object is read when the provider is appended; the session keeps its own copy.
                    using var provider = new OrtCUDAProviderOptions();
                    provider.UpdateOptions(CudaProviderOptions.From(options));
                    using var cuda = CreateOptions();
                    cuda.AppendExecutionProvider_CUDA(provider);
                    return new OnnxGraph(new InferenceSession(path, cuda), displayName, ExecutionProvider.Cuda);
                }
                catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
                {
                    _cudaFailed = true;
                    // ONNX Runtime's own message often names a symptom (a logger, a missing symbol), not the cause.
                    onWarning?.Invoke($"CUDA execution provider (device {options.CudaDeviceId}) could not load, using CPU: it needs an NVIDIA GPU, a driver for CUDA 13 and the CUDA 13 and cuDNN 9 libraries (the image's cuda target has them); ONNX Runtime said: {e.Message}");
                }
            }

            try
            {
                using var cpu = CreateOptions();
                return new OnnxGraph(new InferenceSession(path, cpu), displayName, ExecutionProvider.Cpu);
            }
            catch (OnnxRuntimeException e)
            {
                throw new Models.ModelLoadException($"{displayName}: ONNX Runtime cannot load it ({e.Message})", e);
            }
        }
    }

    private SessionOptions CreateOptions()
    {
        return new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = options.IntraOpThreads > 0 ? options.IntraOpThreads : Environment.ProcessorCount,
            EnableCpuMemArena = options.CpuMemoryArena,
        };
    }
}
