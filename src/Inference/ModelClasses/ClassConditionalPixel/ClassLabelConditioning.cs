using HsoService.Inference.Pipelines;

namespace HsoService.Inference.ModelClasses.ClassConditionalPixel;

/// <summary>A class label (null: unconditional) at the model's fixed image side.</summary>
public sealed record ClassLabelConditioning(int? Label, int Side) : ImageConditioning(Side, Side);
