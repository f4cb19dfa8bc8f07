namespace HsoService.Inference.Onnx;

/// <summary>
/// How the CUDA provider picks each convolution's cuDNN algorithm (ONNX Runtime's <c>cudnn_conv_algo_search</c>). The
/// choice is made once per input shape and kept, so with a dynamic batcher every new batch size pays it once.
/// </summary>
public enum CudnnConvAlgoSearch
{
    /// <summary>Benchmarks every algorithm (cudnnFindConvolutionForwardAlgorithmEx): ONNX Runtime's default; the slowest first run of a shape.</summary>
    Exhaustive,

    /// <summary>cuDNN's heuristic (cudnnGetConvolutionForwardAlgorithm_v7): a cheap first run, an algorithm that may be slower.</summary>
    Heuristic,

    /// <summary>Always CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, no search.</summary>
    Default,
}
