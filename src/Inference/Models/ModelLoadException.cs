namespace HsoService.Inference.Models;

/// <summary>A model folder or graph that cannot be used: the message names the file and what is wrong with it.</summary>
public sealed class ModelLoadException(string message, Exception? inner = null) : Exception(message, inner);
