using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using HsoService.Api.Configuration;
using HsoService.Api.Generation;
using HsoService.Api.Schedules;
using HsoService.Api.Security;
using HsoService.Api.Stores;
using HsoService.Api.Telemetry;
using HsoService.Api.Worker;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace HsoService.Api.Hosting;

/// <summary>Composes the service: options, models, store and queue (embedded or Redis), worker, JSON, errors, limits, Swagger, telemetry.</summary>
public static class ServiceRegistration
{
    public static WebApplicationBuilder AddHsoService(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.WebHost.ConfigureKestrel(RequestHeadLimit.ConfigureKestrel);
        services.AddOptions<HsoServiceOptions>().Bind(builder.Configuration.GetSection(HsoServiceOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HsoServiceOptions>, SettingsValidator>();
        services.AddSingleton<IPostConfigureOptions<HsoServiceOptions>, ModelList>();
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<HsoTelemetry>();
        services.AddSingleton<UnreadableRecords>();
        services.AddSingleton(provider =>
        {
            var circuit = new StoreCircuit(TimeSpan.FromSeconds(provider.GetRequiredService<IOptions<HsoServiceOptions>>().Value.StoreBreakSeconds));
            return provider.GetService<IConnectionMultiplexer>() is { } connection ? circuit.Follow(connection) : circuit;
        });
        services.AddSingleton<ScheduleService>();
        services.AddSingleton<GenerationBatcher>();
        services.AddSingleton<HsoSearches>();
        services.AddSingleton<GenerationService>();
        services.AddSingleton<ModelWarmup>();
        services.AddHostedService(provider => provider.GetRequiredService<ModelWarmup>());
        services.AddHostedService<OptimizationWorker>();

        var redis = builder.Configuration.GetConnectionString("Redis");
        if (string.IsNullOrWhiteSpace(redis))
        {
            // The directory's lock is taken before its store or journal is read (Program takes it first of all).
            services.AddSingleton(provider => new DataDirectoryLock(provider.GetRequiredService<IOptions<HsoServiceOptions>>().Value.DataDirectory));
            services.AddSingleton<IScheduleStore>(provider =>
            {
                _ = provider.GetRequiredService<DataDirectoryLock>();
                var settings = provider.GetRequiredService<IOptions<HsoServiceOptions>>().Value;
                return new FileScheduleStore(settings.DataDirectory, TimeSpan.FromDays(settings.OptionRetentionDays), settings.StoredBounds);
            });
            services.AddSingleton<IJobQueue>(provider =>
            {
                _ = provider.GetRequiredService<DataDirectoryLock>();
                var worker = provider.GetRequiredService<IOptions<HsoServiceOptions>>().Value.Worker;
                var data = provider.GetRequiredService<IOptions<HsoServiceOptions>>().Value.DataDirectory;
                var journal = new JobJournal(Path.Combine(data, "jobs"), provider.GetRequiredService<UnreadableRecords>(), provider.GetRequiredService<ILogger<JobJournal>>());
                return new InMemoryJobQueue(worker.MaxAttempts, maxQueued: worker.MaxQueued, journal: journal, maxActivePerClient: worker.MaxActivePerClient);
            });
        }
        else
        {
            // AbortOnConnectFail = false: start without Redis and reconnect by ourselves when it comes back.
            // FailFast: while the connection is known lost, a command fails at once instead of waiting in a backlog
            // for its time-out, so an outage costs callers milliseconds, not seconds.
            var redisOptions = ConfigurationOptions.Parse(redis);
            redisOptions.AbortOnConnectFail = false;
            redisOptions.BacklogPolicy = BacklogPolicy.FailFast;
            redisOptions.ConnectTimeout = Math.Min(redisOptions.ConnectTimeout, 2000);
            redisOptions.SyncTimeout = Math.Min(redisOptions.SyncTimeout, 2000);
            redisOptions.AsyncTimeout = Math.Min(redisOptions.AsyncTimeout, 2000);
            services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redisOptions));
            services.AddSingleton<IScheduleStore>(provider =>
            {
                var settings = provider.GetRequiredService<IOptions<HsoServiceOptions>>().Value;
                return new RedisScheduleStore(provider.GetRequiredService<IConnectionMultiplexer>(), TimeSpan.FromDays(settings.OptionRetentionDays), settings.StoredBounds);
            });
            services.AddSingleton<IJobQueue>(provider =>
            {
                var worker = provider.GetRequiredService<IOptions<HsoServiceOptions>>().Value.Worker;
                return new RedisJobQueue(
                    provider.GetRequiredService<IConnectionMultiplexer>(), worker.MaxAttempts, TimeSpan.FromSeconds(worker.ClaimIdleSeconds), worker.MaxQueued, worker.MaxActivePerClient, provider.GetRequiredService<UnreadableRecords>());
            });
        }

        // The OpenAPI document reads MVC's JSON options: the same settings keep it in the wire's case.
        services.ConfigureHttpJsonOptions(options => Configure(options.SerializerOptions));
        services.Configure<Microsoft.AspNetCore.Mvc.JsonOptions>(options => Configure(options.JsonSerializerOptions));
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = ProblemDefaults.Complete);
        // Tried after the framework's writer, which declines clients that do not accept JSON.
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonWriter>();
        services.AddAuthentication(ApiKeyAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null);
        services.AddAuthorization();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var limits = context.RequestServices.GetRequiredService<IOptions<HsoServiceOptions>>().Value.RateLimit;
                return RateLimitPartition.GetFixedWindowLimiter(
                    ApiKeyAuthentication.ClientOf(context),
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.PermitsPerWindow, Window = TimeSpan.FromSeconds(limits.WindowSeconds), QueueLimit = 0 });
            });
            options.OnRejected = async (context, cancellationToken) =>
            {
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = { Status = 429, Title = "Too Many Requests", Detail = $"rate limit exceeded; retry after {retry} s" },
                });
            };
        });

        services.AddHsoOpenApi();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<HsoServiceOptions>>((forwarded, hso) =>
        {
            // Only the configured proxies are believed; ASP.NET Core's default (loopback) is dropped.
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in hso.Value.RateLimit.KnownProxies)
            {
                forwarded.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
            }
        });
        AddTelemetry(builder, redis);
        return builder;
    }

    /// <summary>
    /// The service's JSON: snake_case names matched exactly (ASP.NET Core's web defaults ignore case), enum names as
    /// strings, numbers only as JSON numbers (the web defaults also read "6"), unknown fields and a field given twice
    /// rejected, shallow nesting.
    /// </summary>
    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.PropertyNameCaseInsensitive = false;
        options.AllowDuplicateProperties = false;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.MaxDepth = 16;
        options.NumberHandling = JsonNumberHandling.Strict;
    }

    private static void AddTelemetry(WebApplicationBuilder builder, string? redis)
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            .WithTracing(tracing =>
            {
                tracing.AddSource(HsoTelemetry.Name).AddAspNetCoreInstrumentation();
                if (!string.IsNullOrWhiteSpace(redis))
                {
                    tracing.AddRedisInstrumentation();
                }
            })
            .WithMetrics(metrics => metrics
                .AddMeter(HsoTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddView(HsoTelemetry.GenerationDurationName, new ExplicitBucketHistogramConfiguration { Boundaries = HsoTelemetry.GenerationDurationBuckets })
                // Collected only when /metrics is scraped (Hso:PrometheusMetrics maps it); nothing is done without a scrape.
                .AddPrometheusExporter());
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }
    }

    public static WebApplication UseHsoService(this WebApplication app)
    {
        // With no known proxy the middleware would believe every sender's X-Forwarded-For, so it runs only with some.
        if (app.Services.GetRequiredService<IOptions<HsoServiceOptions>>().Value.RateLimit.KnownProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        app.UseExceptionHandler(new ExceptionHandlerOptions { AllowStatusCode404Response = true });
        app.UseStatusCodePages();
        app.UseMiddleware<RequestHeadLimit>();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        // After authorization: an unauthenticated request gets 401 whatever its body, announced size included.
        app.UseMiddleware<RequestBodyLimit>();
        // A worker-only instance serves no API, so it documents none: it answers the probes (and /metrics) only.
        if (app.Services.GetRequiredService<IOptions<HsoServiceOptions>>().Value.Role != ServiceRole.Worker)
        {
            app.UseSwagger();
            app.UseSwaggerUI(options => options.RoutePrefix = "swagger");
        }

        return app;
    }
}
