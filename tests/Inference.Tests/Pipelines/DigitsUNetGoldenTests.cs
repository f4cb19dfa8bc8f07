using HsoService.Inference.Models;
using HsoService.Inference.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace HsoService.Inference.Tests.Pipelines;

public class DigitsUNetGoldenTests
{
    [Fact]
    public void Unet_output_matches_the_reference_sums()
    {
        var factory = new OnnxSessionFactory(new OnnxOptions());
        using var unet = factory.Open(ModelFolder.Open(Repository.Digits).Require("unet", "model.onnx"), "unet/model.onnx");
        var sample = new float[512];
        for (var i = 0; i < 512; i++)
        {
            sample[i] = (float)(-1.0 + 2.0 * i / 511);
        }

        var output = new float[512];
        using var sampleValue = OrtValue.CreateTensorValueFromMemory(sample, [2, 1, 16, 16]);
        using var timestepValue = OrtValue.CreateTensorValueFromMemory(new[] { 500f, 20.25f }, [2]);
        using var labelValue = OrtValue.CreateTensorValueFromMemory(new long[] { 7, 10 }, [2]);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(output, [2, 1, 16, 16]);
        unet.Run(["sample", "timestep", "class_labels"], [sampleValue, timestepValue, labelValue], [unet.FirstOutput], [outputValue]);

        Assert.Equal(223.6543, output.Sum(v => (double)v), 3);
        Assert.Equal(407.2179, output.Sum(v => Math.Abs((double)v)), 3);
        Assert.Equal(ExecutionProvider.Cpu, unet.Provider);
    }
}
