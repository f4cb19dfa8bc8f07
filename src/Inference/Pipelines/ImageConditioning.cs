namespace HsoService.Inference.Pipelines;

/// <summary>
/// What one request conditions its images on, as its model class parsed it (a class label, prompts), with the image
/// size in pixels. Each class has its own record; only that class reads its fields.
/// </summary>
public abstract record ImageConditioning(int Width, int Height);
