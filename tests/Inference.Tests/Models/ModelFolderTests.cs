using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using HsoService.Inference.Pipelines;

namespace HsoService.Inference.Tests.Models;

public sealed class ModelFolderTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("hso-model-");

    public void Dispose() => _scratch.Delete(recursive: true);

    private string CopyOf(string source)
    {
        var target = Path.Combine(_scratch.FullName, Path.GetFileName(source));
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }

    [Fact]
    public void Reads_the_digits_folder()
    {
        var folder = ModelFolder.Open(Repository.Digits);
        Assert.Equal(PipelineKind.ClassConditionalPixel, folder.Kind);
        Assert.Equal(16, folder.SampleSize);
        Assert.Equal(1, folder.Channels);
        Assert.Equal(10, folder.NullClassLabel);
        Assert.NotNull(folder.ClassifierPath);
        Assert.Equal("scaled_linear", folder.Scheduler.BetaSchedule.ToString() switch { "ScaledLinear" => "scaled_linear", var other => other });
    }

    [Fact]
    public void Reads_the_optimum_stable_diffusion_layout()
    {
        var folder = ModelFolder.Open(Repository.TinySd);
        Assert.Equal(PipelineKind.StableDiffusion, folder.Kind);
        Assert.Equal(0.18215, folder.VaeScalingFactor);
        Assert.EndsWith(Path.Combine("tokenizer", "merges.txt"), folder.MergesPath);
        Assert.Equal(1, folder.Scheduler.StepsOffset);
    }

    [Theory]
    [InlineData("unet/model.onnx")]
    [InlineData("scheduler/scheduler_config.json")]
    [InlineData("model_index.json")]
    public void A_missing_file_is_named(string file)
    {
        var copy = CopyOf(Repository.Digits);
        File.Delete(Path.Combine(copy, file));
        var error = Assert.Throws<ModelLoadException>(() => ModelFolder.Open(copy));
        Assert.Contains(Path.GetFileName(file), error.Message);
    }

    [Fact]
    public void A_missing_tokenizer_file_is_named()
    {
        var copy = CopyOf(Repository.TinySd);
        File.Delete(Path.Combine(copy, "tokenizer", "vocab.json"));
        var error = Assert.Throws<ModelLoadException>(() => ModelFolder.Open(copy));
        Assert.Contains("tokenizer/vocab.json", error.Message);
    }

    [Fact]
    public void A_unet_with_the_wrong_inputs_is_named_with_its_real_inputs()
    {
        var copy = CopyOf(Repository.Digits);
        File.Copy(Path.Combine(Repository.TinySd, "unet", "model.onnx"), Path.Combine(copy, "unet", "model.onnx"), overwrite: true);
        var error = Assert.Throws<ModelLoadException>(() => new PixelDiffusionPipeline(ModelFolder.Open(copy), new OnnxSessionFactory(new OnnxOptions())));
        Assert.Contains("unet/model.onnx: has no input 'class_labels'", error.Message);
        Assert.Contains("encoder_hidden_states", error.Message);
    }

    [Fact]
    public void A_corrupt_graph_is_a_load_error_not_a_crash()
    {
        var copy = CopyOf(Repository.Digits);
        File.WriteAllText(Path.Combine(copy, "unet", "model.onnx"), "not an onnx file");
        var error = Assert.Throws<ModelLoadException>(() => new PixelDiffusionPipeline(ModelFolder.Open(copy), new OnnxSessionFactory(new OnnxOptions())));
        Assert.StartsWith("unet/model.onnx: ONNX Runtime cannot load it", error.Message);
    }

    [Fact]
    public void Asking_for_cuda_without_a_gpu_falls_back_to_cpu_with_one_warning()
    {
        var warnings = new List<string>();
        var factory = new OnnxSessionFactory(new OnnxOptions { Provider = ExecutionProvider.Cuda }, warnings.Add);
        using var pipeline = new PixelDiffusionPipeline(ModelFolder.Open(Repository.Digits), factory);

        // This machine has no GPU: the unet and the classifier both end on CPU, with a single warning.
        Assert.Equal(ExecutionProvider.Cpu, pipeline.Provider);
        Assert.Equal(ExecutionProvider.Cpu, factory.ActiveProvider);
        var warning = Assert.Single(warnings);
        Assert.Contains("CUDA execution provider", warning);
    }
}
