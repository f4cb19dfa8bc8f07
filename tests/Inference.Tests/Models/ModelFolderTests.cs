using HsoService.Inference.ModelClasses.ClassConditionalPixel;
using HsoService.Inference.ModelClasses;
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
        Assert.Equal("class_conditional_pixel", ModelClassRegistry.Recognise(folder).Name);
        using var pipeline = (PixelDiffusionPipeline)ModelClassRegistry.Load(folder, new OnnxSessionFactory(new OnnxOptions()));
        Assert.Equal(16, pipeline.SampleSize);
        Assert.Equal(1, pipeline.Channels);
        Assert.Equal(10, pipeline.NullClassLabel);
        Assert.NotNull(folder.ClassifierPath);
        Assert.Equal("scaled_linear", folder.Scheduler.BetaSchedule.ToString() switch { "ScaledLinear" => "scaled_linear", var other => other });
    }

    [Theory]
    [InlineData("tiny-sd", "stable_diffusion", 0.18215, 512, 7.5)]
    [InlineData("tiny-sdxl", "stable_diffusion_xl", 0.13025, 128, 5.0)]
    [InlineData("tiny-sdxl-fp16", "stable_diffusion_xl", 0.13025, 128, 5.0)]
    public void Recognises_the_optimum_text_to_image_layouts(string fixture, string className, double scaling, int side, double guidance)
    {
        var folder = ModelFolder.Open(Path.Combine(Repository.Root, "tests", "fixtures", fixture));
        Assert.Equal(className, ModelClassRegistry.Recognise(folder).Name);
        using var pipeline = (TextConditionedPipeline)ModelClassRegistry.Load(folder, new OnnxSessionFactory(new OnnxOptions()));
        Assert.Equal(className, pipeline.ClassName);
        Assert.Equal(scaling, pipeline.VaeScalingFactor);
        Assert.Equal((side, side, guidance), (pipeline.Defaults.Width, pipeline.Defaults.Height, pipeline.Defaults.GuidanceScale));
        Assert.Equal([4, side / 8, side / 8], pipeline.LatentShape(pipeline.CalibrationConditioning(0)));
        Assert.Equal(1, folder.Scheduler.StepsOffset);
    }

    [Fact]
    public void A_class_it_does_not_serve_is_refused_naming_it_and_the_served_ones()
    {
        var copy = CopyOf(Repository.TinySd);
        File.WriteAllText(Path.Combine(copy, "model_index.json"), """{"_class_name": "StableCascadeCombinedPipeline", "prior_prior": ["diffusers", "StableCascadeUNet"]}""");
        var error = Assert.Throws<ModelLoadException>(() => ModelClassRegistry.Recognise(ModelFolder.Open(copy)));
        Assert.Contains("_class_name 'StableCascadeCombinedPipeline' is not a model class this service serves", error.Message);
        Assert.Contains("stable_diffusion_xl (StableDiffusionXLPipeline", error.Message);
        Assert.Contains("stable_diffusion_3 (StableDiffusion3Pipeline", error.Message);
        Assert.Contains("flux (FluxPipeline", error.Message);
    }

    [Theory]
    [InlineData("scheduler/scheduler_config.json")]
    [InlineData("model_index.json")]
    public void A_missing_index_or_scheduler_is_named(string file)
    {
        var copy = CopyOf(Repository.Digits);
        File.Delete(Path.Combine(copy, file));
        var error = Assert.Throws<ModelLoadException>(() => ModelFolder.Open(copy));
        Assert.Contains(Path.GetFileName(file), error.Message);
    }

    [Theory]
    [InlineData("digits", "unet/model.onnx")]
    [InlineData("tiny-sd", "tokenizer/vocab.json")]
    [InlineData("tiny-sd", "vae_decoder/model.onnx")]
    public void A_missing_component_file_is_named_when_the_class_loads(string model, string file)
    {
        var copy = CopyOf(model == "digits" ? Repository.Digits : Repository.TinySd);
        File.Delete(Path.Combine(copy, file));
        var error = Assert.Throws<ModelLoadException>(() => ModelClassRegistry.Load(ModelFolder.Open(copy), new OnnxSessionFactory(new OnnxOptions())));
        Assert.Contains(file, error.Message);
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
