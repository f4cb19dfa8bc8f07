namespace HsoService.Inference.Onnx;

/// <summary>How the CUDA provider's device memory arena grows when a run needs more (ONNX Runtime's <c>arena_extend_strategy</c>).</summary>
public enum CudaArenaExtendStrategy
{
    /// <summary>Doubles each time (kNextPowerOfTwo): ONNX Runtime's default; few allocations, up to twice the memory needed.</summary>
    NextPowerOfTwo,

    /// <summary>Grows by what was asked (kSameAsRequested): more allocations while it grows, no slack held.</summary>
    SameAsRequested,
}
