using System.Diagnostics;
using System.Reflection;
using HsoService.Api.Configuration;
using YamlDotNet.RepresentationModel;
using static HsoService.Deploy.Tests.Manifests;

namespace HsoService.Deploy.Tests;

public class DeploymentTests
{
    [Theory]
    [InlineData("hso-api", "api", "cpu")]
    [InlineData("hso-worker-gpu", "worker-gpu", "cuda")]
    public void Kubernetes_images_are_the_compose_images_built_from_the_dockerfile_targets(string deployment, string composeService, string target)
    {
        var image = Text(Container(Kind("Deployment", deployment)), "image");
        var service = Node(Compose, "services", composeService);
        Assert.Equal(Text(service, "image"), image);
        Assert.Equal(target, Text(service, "build", "target"));
        Assert.Contains(target, DockerStages);
    }

    [Theory]
    [InlineData("hso-api")]
    [InlineData("hso-worker-gpu")]
    public void Probes_hit_the_health_endpoints_on_the_port_the_image_exposes(string deployment)
    {
        var container = Container(Kind("Deployment", deployment));
        var port = Assert.Single(DockerPorts);
        Assert.Equal("/health/ready", Text(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/health/live", Text(container, "livenessProbe", "httpGet", "path"));
        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), Text(container, "readinessProbe", "httpGet", "port"));
        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), Text(container, "livenessProbe", "httpGet", "port"));
        var containerPort = (YamlMappingNode)((YamlSequenceNode)Node(container, "ports")).Children.Single();
        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), Text(containerPort, "containerPort"));
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("api")]
    [InlineData("worker-gpu")]
    public void Compose_services_restart_unless_stopped_by_hand(string service) =>
        Assert.Equal("unless-stopped", Text(Node(Compose, "services", service), "restart"));

    [Fact]
    public void Gpu_workers_request_one_gpu_and_run_the_worker_role_on_cuda()
    {
        var container = Container(Kind("Deployment", "hso-worker-gpu"));
        Assert.Equal("1", Text(container, "resources", "limits", "nvidia.com/gpu"));
        var env = ((YamlSequenceNode)Node(container, "env")).Children.Cast<YamlMappingNode>().ToDictionary(e => Text(e, "name")!, e => Text(e, "value"));
        Assert.Equal(nameof(ServiceRole.Worker), env["Hso__Role"]);
        Assert.Equal("Cuda", env["Hso__Onnx__Provider"]);

        var compose = Node(Compose, "services", "worker-gpu");
        var device = (YamlMappingNode)((YamlSequenceNode)Node(compose, "deploy", "resources", "reservations", "devices")).Children.Single();
        Assert.Equal("nvidia", Text(device, "driver"));
        Assert.Equal(nameof(ServiceRole.Worker), Text(compose, "environment", "Hso__Role"));
    }

    [Fact]
    public void The_api_scales_on_cpu_and_its_service_selects_its_pods()
    {
        var hpa = Kind("HorizontalPodAutoscaler", "hso-api");
        Assert.Equal("hso-api", Text(hpa, "spec", "scaleTargetRef", "name"));
        Assert.Equal("Deployment", Text(hpa, "spec", "scaleTargetRef", "kind"));
        var service = Kind("Service", "hso-api");
        Assert.Equal(Text(Kind("Deployment", "hso-api"), "spec", "template", "metadata", "labels", "app.kubernetes.io/name"), Text(service, "spec", "selector", "app.kubernetes.io/name"));
        Assert.Equal(nameof(ServiceRole.Http), Text(Node(Compose, "services", "api"), "environment", "Hso__Role"));
        Assert.Equal("2", Text(Node(Compose, "services", "api"), "deploy", "replicas"));
    }

    [Fact]
    public void The_configmap_points_at_the_redis_service_and_only_sets_real_settings()
    {
        var data = (YamlMappingNode)Node(Kind("ConfigMap", "hso-config"), "data");
        var redisService = Kind("Service", "hso-redis");
        Assert.StartsWith(Text(redisService, "metadata", "name") + ":6379", Text(data, "ConnectionStrings__Redis"));
        var settings = SettingPaths();
        foreach (var key in data.Children.Keys.Cast<YamlScalarNode>().Select(k => k.Value!).Where(k => k.StartsWith("Hso__", StringComparison.Ordinal)))
        {
            Assert.Contains(key.Replace("__", ":", StringComparison.Ordinal), settings);
        }

        Assert.Contains(Kubernetes, d => Text(d, "kind") == "StatefulSet" && Text(d, "metadata", "name") == "hso-redis");
    }

    [Fact]
    public void The_readme_documents_every_setting_with_its_environment_variable()
    {
        foreach (var setting in SettingPaths())
        {
            Assert.Contains($"`{setting.Replace(":", "__", StringComparison.Ordinal)}`", Readme);
        }

        Assert.Contains("`ConnectionStrings__Redis`", Readme);
        Assert.Contains("`OTEL_EXPORTER_OTLP_ENDPOINT`", Readme);
        Assert.Contains("`HSO_MODELS_DIR`", Readme);
    }

    [Fact]
    public void The_dockerfile_builds_with_the_readmes_build_command()
    {
        Assert.Contains("RUN ./scripts/publish.sh /app/publish", Dockerfile);
        Assert.Contains("./scripts/publish.sh", Readme);
        Assert.Contains("USER app", Dockerfile);
        Assert.Contains("HEALTHCHECK", Dockerfile);
        Assert.Contains("nvidia/cuda:13", Dockerfile);
    }

    [Fact]
    public void Docker_compose_parses_the_compose_file()
    {
        var (code, output) = Run("docker-compose", "-f", Path.Combine(Root, "docker-compose.yml"), "config", "-q");
        Assert.True(code == 0, output);
    }

    [Fact]
    public void Yamllint_passes_on_deploy_and_the_compose_file()
    {
        var (code, output) = Run("yamllint", "-s", "-c", Path.Combine(Root, ".yamllint.yaml"), Path.Combine(Root, "deploy"), Path.Combine(Root, "docker-compose.yml"));
        Assert.True(code == 0, output);
    }

    /// <summary>Every leaf setting of <see cref="HsoServiceOptions"/> as a configuration path (Models entries as Models:{id}).</summary>
    private static List<string> SettingPaths()
    {
        var paths = new List<string>();
        void Walk(Type type, string prefix)
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                var path = $"{prefix}:{property.Name}";
                if (property.PropertyType.IsGenericType && property.PropertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>))
                {
                    Walk(property.PropertyType.GetGenericArguments()[1], $"{path}:{{id}}");
                }
                else if (property.PropertyType.IsGenericType && property.PropertyType.GetGenericTypeDefinition() == typeof(List<>))
                {
                    // A list setting is documented by its first entry (Hso__RateLimit__KnownProxies__0).
                    paths.Add($"{path}:0");
                }
                else if (property.PropertyType.IsClass && property.PropertyType != typeof(string))
                {
                    Walk(property.PropertyType, path);
                }
                else
                {
                    paths.Add(path);
                }
            }
        }

        Walk(typeof(HsoServiceOptions), HsoServiceOptions.Section);
        return paths;
    }

    private static (int Code, string Output) Run(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Root };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"{tool} is not installed; scripts/test.sh installs it (apt-get install {tool})");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
    }
}
