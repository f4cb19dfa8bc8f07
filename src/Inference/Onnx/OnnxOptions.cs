using System.ComponentModel.DataAnnotations;

namespace HsoService.Inference.Onnx;

/// <summary>
/// How sessions are created: the execution provider (CPU by default), the CUDA device and its provider options, CPU
/// threads and arena. The CUDA defaults are ONNX Runtime's own, not measured here (docs/performance.md).
/// </summary>
public sealed record OnnxOptions
{
    /// <summary>The largest <see cref="MaxBatch"/> accepted, by the service's start-up check and by the CLI's <c>--batch</c>.</summary>
    public const int MaxBatchLimit = 65536;

    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>Index of the CUDA device the sessions run on when <see cref="Provider"/> is CUDA.</summary>
    [Range(0, int.MaxValue, ErrorMessage = "The field {0} must be a CUDA device index, 0 or more.")]
    public int CudaDeviceId { get; init; }

    /// <summary>
    /// Threads for one operator on CPU; 0 means one per core. (Set explicitly: on the 2-core CI machine the digits unet
    /// ran 600 evaluations/s with 2 threads against 400/s with ONNX Runtime's own default.)
    /// </summary>
    [Range(0, 4096)]
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Largest batch of images a pixel pipeline sends through the unet at once. 64 suits CPUs; a GPU wants more
    /// (on an H200 the digits unet ran 6,300 evaluations/s at batch 16 and 81,000/s at batch 1024).
    /// </summary>
    [Range(1, MaxBatchLimit)]
    public int MaxBatch { get; init; } = 64;

    /// <summary>
    /// ONNX Runtime's CPU memory arena. Off by default: with it on, a burst of large images left the service at its
    /// peak (3.6 GB after two n = 16 1024 x 1024 tiny-sd requests, idle 0.16 GB) for good, since the arena keeps what
    /// it grew to (docs/performance.md).
    /// </summary>
    public bool CpuMemoryArena { get; init; }

    /// <summary>How cuDNN's convolution algorithms are chosen on CUDA (<c>cudnn_conv_algo_search</c>); ONNX Runtime's default, exhaustive.</summary>
    public CudnnConvAlgoSearch CudnnConvAlgoSearch { get; init; } = CudnnConvAlgoSearch.Exhaustive;

    /// <summary>How the CUDA device memory arena grows (<c>arena_extend_strategy</c>); ONNX Runtime's default, next power of two.</summary>
    public CudaArenaExtendStrategy CudaArenaExtendStrategy { get; init; } = CudaArenaExtendStrategy.NextPowerOfTwo;

    /// <summary>Most MB the CUDA device memory arena may hold (<c>gpu_mem_limit</c>); 0 means no limit, ONNX Runtime's default.</summary>
    [Range(0, 16_777_216)]
    public int CudaMemoryLimitMegabytes { get; init; }
}
