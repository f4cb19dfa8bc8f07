using System.Diagnostics;
using System.Reflection;
using HsoService.Api.Configuration;
using HsoService.Api.Endpoints;
using YamlDotNet.RepresentationModel;
using static HsoService.Deploy.Tests.Manifests;

namespace HsoService.Deploy.Tests;

public partial class DeploymentTests
{
    private const string Generation = "hso-generation";

    [System.Text.RegularExpressions.GeneratedRegex("^Hso:Models:[^:]+:")]
    private static partial System.Text.RegularExpressions.Regex ModelId();

    /// <summary>The Deployments that run the service's image.</summary>
    private static IEnumerable<YamlMappingNode> ServiceDeployments() =>
        Kubernetes.Where(d => Text(d, "kind") == "Deployment" && Text(Container(d), "image")!.StartsWith("hso-service:", StringComparison.Ordinal));

    /// <summary>The compose services that run the service's image.</summary>
    private static IEnumerable<(string Name, YamlNode Value)> ComposeServices() =>
        ((YamlMappingNode)Node(Compose, "services")).Children
            .Where(s => ((YamlMappingNode)s.Value).Children.TryGetValue(new YamlScalarNode("image"), out var image) && ((YamlScalarNode)image).Value!.StartsWith("hso-service:", StringComparison.Ordinal))
            .Select(s => (((YamlScalarNode)s.Key).Value!, s.Value));

    private static Dictionary<string, string?> Env(YamlMappingNode container) =>
        ((YamlSequenceNode)Node(container, "env")).Children.Cast<YamlMappingNode>().ToDictionary(e => Text(e, "name")!, e => Text(e, "value"));

    /// <summary>The role a Deployment's container runs: its env, else the ConfigMap's, else the service's default.</summary>
    private static ServiceRole Role(YamlMappingNode deployment)
    {
        var data = (YamlMappingNode)Node(Kind("ConfigMap", "hso-config"), "data");
        var role = Env(Container(deployment)).GetValueOrDefault("Hso__Role")
            ?? (data.Children.TryGetValue(new YamlScalarNode("Hso__Role"), out var value) ? ((YamlScalarNode)value).Value : null);
        return role is null ? new HsoServiceOptions().Role : Enum.Parse<ServiceRole>(role, ignoreCase: true);
    }

    private static string? PodLabel(YamlMappingNode deployment) => Text(deployment, "spec", "template", "metadata", "labels", "app.kubernetes.io/name");

    [Fact]
    public void Kubernetes_runs_the_compose_gpu_image_built_from_the_dockerfiles_cuda_target()
    {
        var image = Text(Container(Kind("Deployment", Generation)), "image");
        var service = Node(Compose, "services", "generation");
        Assert.Equal("hso-service:cuda", image);
        Assert.Equal(Text(service, "image"), image);
        Assert.Equal("cuda", Text(service, "build", "target"));
        Assert.Contains("cuda", DockerStages);
    }

    [Fact]
    public void The_cpu_profile_is_the_same_service_on_the_cpu_image_without_a_gpu()
    {
        var cpu = Node(Compose, "services", "generation-cpu");
        var gpu = Node(Compose, "services", "generation");
        Assert.Equal(["cpu"], Sequence(cpu, "profiles"));
        Assert.Equal(["gpu"], Sequence(gpu, "profiles"));
        Assert.Equal("cpu", Text(cpu, "build", "target"));
        Assert.Contains("cpu", DockerStages);
        Assert.Equal("Cpu", Text(cpu, "environment", "Hso__Onnx__Provider"));
        Assert.Equal(Text(gpu, "environment", "Hso__Role"), Text(cpu, "environment", "Hso__Role"));
        Assert.False(((YamlMappingNode)cpu).Children.ContainsKey(new YamlScalarNode("deploy")), "the laptop profile reserves no GPU");
    }

    [Fact]
    public void Every_kubernetes_instance_that_serves_generate_holds_a_gpu_and_runs_cuda()
    {
        // An instance serves /generate unless its role is Worker (EndpointMapping maps only the probes there).
        var serving = ServiceDeployments().Where(d => Role(d) != ServiceRole.Worker).ToList();
        Assert.NotEmpty(serving);
        foreach (var deployment in serving)
        {
            var container = Container(deployment);
            Assert.Equal("1", Text(container, "resources", "limits", "nvidia.com/gpu"));
            Assert.Equal("hso-service:cuda", Text(container, "image"));
            Assert.Equal("Cuda", Env(container)["Hso__Onnx__Provider"]);
        }
    }

    [Fact]
    public void Every_compose_instance_that_serves_generate_outside_the_cpu_profile_reserves_a_gpu_and_runs_cuda()
    {
        var serving = ComposeServices()
            .Where(s => Text(s.Value, "environment", "Hso__Role") != nameof(ServiceRole.Worker) && !Sequence(s.Value, "profiles").Contains("cpu"))
            .ToList();
        Assert.Equal(["generation"], serving.Select(s => s.Name));
        foreach (var (_, service) in serving)
        {
            var device = (YamlMappingNode)((YamlSequenceNode)Node(service, "deploy", "resources", "reservations", "devices")).Children.Single();
            Assert.Equal("nvidia", Text(device, "driver"));
            Assert.Equal("1", Text(device, "count"));
            Assert.Equal(["gpu"], Sequence(device, "capabilities"));
            Assert.Equal("cuda", Text(service, "build", "target"));
            Assert.Equal("Cuda", Text(service, "environment", "Hso__Onnx__Provider"));
        }
    }

    [Fact]
    public void Schedule_jobs_run_on_the_gpu_instances_that_hold_the_model()
    {
        // Role All: HTTP and the worker in one process, so a job's sampling uses the model the pod already loaded.
        Assert.Equal([Generation], ServiceDeployments().Select(d => Text(d, "metadata", "name")));
        Assert.Equal(ServiceRole.All, Role(Kind("Deployment", Generation)));
        var data = (YamlMappingNode)Node(Kind("ConfigMap", "hso-config"), "data");
        Assert.False(data.Children.ContainsKey(new YamlScalarNode("Hso__Worker__Enabled")));
        Assert.Equal("1", Text(data, "Hso__Worker__Concurrency"));
        Assert.Equal(nameof(ServiceRole.All), Text(Node(Compose, "services", "generation"), "environment", "Hso__Role"));
    }

    [Fact]
    public void Probes_hit_routes_the_service_maps_on_the_port_the_image_exposes()
    {
        var container = Container(Kind("Deployment", Generation));
        var port = Assert.Single(DockerPorts).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("/health/started", Text(container, "startupProbe", "httpGet", "path"));
        Assert.Equal("/health/ready", Text(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/health/live", Text(container, "livenessProbe", "httpGet", "path"));
        var routes = ServiceRoutes.Of(ServiceRole.All);
        foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
        {
            Assert.Contains(Text(container, probe, "httpGet", "path"), routes);
            Assert.Equal(port, Text(container, probe, "httpGet", "port"));
        }

        var containerPort = (YamlMappingNode)((YamlSequenceNode)Node(container, "ports")).Children.Single();
        Assert.Equal(port, Text(containerPort, "containerPort"));

        // The start-up probe must allow for loading a large model and its warm-up: at least five minutes.
        var seconds = int.Parse(Text(container, "startupProbe", "periodSeconds")!, System.Globalization.CultureInfo.InvariantCulture)
            * int.Parse(Text(container, "startupProbe", "failureThreshold")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(seconds, 300, 3600);
    }

    [Fact]
    public void Prometheus_scrapes_the_metrics_path_the_service_maps_on_the_containers_port()
    {
        var deployment = Kind("Deployment", Generation);
        var container = Container(deployment);
        var port = (YamlMappingNode)((YamlSequenceNode)Node(container, "ports")).Children.Single();
        Assert.Contains(MetricsEndpoints.Path, ServiceRoutes.Of(ServiceRole.All));
        Assert.Contains(MetricsEndpoints.Path, ServiceRoutes.Of(ServiceRole.Worker));

        var annotations = Node(deployment, "spec", "template", "metadata", "annotations");
        Assert.Equal("true", Text(annotations, "prometheus.io/scrape"));
        Assert.Equal(Text(port, "containerPort"), Text(annotations, "prometheus.io/port"));
        Assert.Equal(MetricsEndpoints.Path, Text(annotations, "prometheus.io/path"));

        var monitor = Kind("PodMonitor", Generation);
        var endpoint = (YamlMappingNode)((YamlSequenceNode)Node(monitor, "spec", "podMetricsEndpoints")).Children.Single();
        Assert.Equal(Text(port, "name"), Text(endpoint, "port"));
        Assert.Equal(MetricsEndpoints.Path, Text(endpoint, "path"));
        Assert.Equal(PodLabel(deployment), Text(monitor, "spec", "selector", "matchLabels", "app.kubernetes.io/name"));
    }

    [Fact]
    public void The_generation_deployment_scales_on_the_batchers_load_not_on_cpu()
    {
        var scaled = Kind("ScaledObject", Generation);
        Assert.Equal(Generation, Text(scaled, "spec", "scaleTargetRef", "name"));
        var trigger = (YamlMappingNode)((YamlSequenceNode)Node(scaled, "spec", "triggers")).Children.Single();
        Assert.Equal("prometheus", Text(trigger, "type"));
        var query = Text(trigger, "metadata", "query")!;
        Assert.Equal(["hso_generation_active", "hso_generation_waiting"], HsoService.Tests.Shared.AutoscalerQuery.MetricNames(query).Order());
        Assert.True(double.Parse(Text(trigger, "metadata", "threshold")!, System.Globalization.CultureInfo.InvariantCulture) > 0);

        // The query selects the pods by the label the PodMonitor copies onto every series, with the pods' value.
        var monitor = Kind("PodMonitor", Generation);
        Assert.Contains("app.kubernetes.io/name", Sequence(monitor, "spec", "podTargetLabels"));
        foreach (var selector in HsoService.Tests.Shared.AutoscalerQuery.Selectors(query))
        {
            Assert.Equal($"app_kubernetes_io_name=\"{PodLabel(Kind("Deployment", Generation))}\"", selector);
        }

        // KEDA makes the HPA; a second one on the same Deployment (the CPU one this replaced) would fight it.
        Assert.DoesNotContain(Kubernetes, d => Text(d, "kind") == "HorizontalPodAutoscaler");
        Assert.True(int.Parse(Text(scaled, "spec", "minReplicaCount")!, System.Globalization.CultureInfo.InvariantCulture) >= 1, "a pod takes minutes to load its model: never none");
    }

    [Fact]
    public void The_service_selects_the_generation_pods()
    {
        var service = Kind("Service", "hso-api");
        Assert.Equal(PodLabel(Kind("Deployment", Generation)), Text(service, "spec", "selector", "app.kubernetes.io/name"));
        var containerPort = (YamlMappingNode)((YamlSequenceNode)Node(Container(Kind("Deployment", Generation)), "ports")).Children.Single();
        var servicePort = (YamlMappingNode)((YamlSequenceNode)Node(service, "spec", "ports")).Children.Single();
        Assert.Equal(Text(containerPort, "containerPort"), Text(servicePort, "targetPort"));
    }

    [Fact]
    public void Models_come_from_a_read_only_volume_and_the_configmap_names_folders_on_it()
    {
        var deployment = Kind("Deployment", Generation);
        var mount = ((YamlSequenceNode)Node(Container(deployment), "volumeMounts")).Children.Cast<YamlMappingNode>().Single(m => Text(m, "name") == "models");
        Assert.Equal("true", Text(mount, "readOnly"));
        var volume = ((YamlSequenceNode)Node(deployment, "spec", "template", "spec", "volumes")).Children.Cast<YamlMappingNode>().Single(v => Text(v, "name") == "models");
        var claim = Text(volume, "persistentVolumeClaim", "claimName");
        Assert.Equal(["ReadOnlyMany"], Sequence(Kind("PersistentVolumeClaim", claim!), "spec", "accessModes"));

        var data = (YamlMappingNode)Node(Kind("ConfigMap", "hso-config"), "data");
        var paths = data.Children.Where(e => ((YamlScalarNode)e.Key).Value!.StartsWith("Hso__Models__", StringComparison.Ordinal) && ((YamlScalarNode)e.Key).Value!.EndsWith("__Path", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(paths);
        foreach (var (key, value) in paths)
        {
            Assert.StartsWith(Text(mount, "mountPath") + "/", ((YamlScalarNode)value).Value);
            Assert.Matches("^Hso__Models__[A-Za-z_][A-Za-z0-9_]*__Path$", ((YamlScalarNode)key).Value!);
        }

        // Compose: the same folder, from the host, for both profiles; the image's own models are not used.
        foreach (var name in new[] { "generation", "generation-cpu" })
        {
            var service = Node(Compose, "services", name);
            Assert.EndsWith(":/models:ro", ((YamlScalarNode)((YamlSequenceNode)Node(service, "volumes")).Children.Single()).Value);
            Assert.Equal("/models", Text(service, "environment", "HSO_MODELS_DIR"));
        }
    }

    [Theory]
    [InlineData("redis")]
    [InlineData("generation")]
    [InlineData("generation-cpu")]
    public void Compose_services_restart_unless_stopped_by_hand(string service) =>
        Assert.Equal("unless-stopped", Text(Node(Compose, "services", service), "restart"));

    [Fact]
    public void The_configmap_points_at_the_redis_service_and_only_sets_real_settings()
    {
        var data = (YamlMappingNode)Node(Kind("ConfigMap", "hso-config"), "data");
        var redisService = Kind("Service", "hso-redis");
        Assert.StartsWith(Text(redisService, "metadata", "name") + ":6379", Text(data, "ConnectionStrings__Redis"));
        var settings = SettingPaths();
        foreach (var key in data.Children.Keys.Cast<YamlScalarNode>().Select(k => k.Value!).Where(k => k.StartsWith("Hso__", StringComparison.Ordinal)))
        {
            // A model's id stands where the settings list has {id}.
            var path = ModelId().Replace(key.Replace("__", ":", StringComparison.Ordinal), "Hso:Models:{id}:");
            Assert.Contains(path, settings);
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
                else if (property.Name == "Id" && prefix.EndsWith(":{id}", StringComparison.Ordinal))
                {
                    // An entry's own id is the list form's (Hso__Models__0__Id): the keyed form has its id in the key.
                    paths.Add($"{prefix[..^":{id}".Length]}:0:Id");
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
