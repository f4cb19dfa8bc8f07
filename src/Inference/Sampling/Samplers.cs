using HsoService.Optimization.Schedules;

namespace HsoService.Inference.Sampling;

/// <summary>The sampler for each solver name with its default settings (UniPC: bh2, order 2).</summary>
public static class Samplers
{
    public static ISampler For(SolverKind solver) => solver switch
    {
        SolverKind.Ddim => new DdimSampler(),
        SolverKind.DpmPp2M => new DpmSolverPlusPlus2MSampler(),
        SolverKind.UniPc => new UniPcSampler(),
        _ => throw new ArgumentOutOfRangeException(nameof(solver), solver, null),
    };
}
