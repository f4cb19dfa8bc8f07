using System.Net;
using System.Text;

namespace HsoService.Api.Tests;

public sealed class HostileInputTests
{
    private static readonly string[] Fields = ["model", "solver", "nfe", "mode", "seed", "force", "schedule", "class_label", "prompt", "negative_prompt", "guidance_scale", "n", "width", "height", "response_format"];

    private static readonly string[] Values =
    [
        "null", "true", "-1", "0", "1e400", "-1e400", "1e308", "9223372036854775808", "3.5", "\"\"", "\"NaN\"", "\"Infinity\"", "NaN",
        "\"../../etc/passwd\"", "\"/etc/shadow\"", "\"C:\\\\Windows\"", "\"%2e%2e%2f\"", "\"digits16-ddpm\\u0000\"", "\"\\ud800\"",
        "\"" + new string('x', 5000) + "\"", "[]", "[1, 2, \"a\"]", "{}", "{\"$ref\": \"#\"}", "\"ddim\"", "\"robust\"", "2", "5", "\"auto\"",
        "[0.9, 0.5, 0.1]", "[1e400]", "\"digits16-ddpm\"", "\"tiny-sd\"", "\"b64_json\"",
    ];

    /// <summary>1000 bodies, the same every run: wrong types, huge numbers, NaN, deep nesting, unknown fields, path-like ids, broken JSON.</summary>
    private static IEnumerable<string> Bodies()
    {
        var random = new Random(2026);
        for (var i = 0; i < 1000; i++)
        {
            switch (i % 10)
            {
                case 0:
                    yield return new string('[', 200 + i) + new string(']', 200 + i);
                    break;
                case 1:
                    yield return "{\"model\": " + new string('{', 100) + new string('}', 100) + "}";
                    break;
                case 2:
                    yield return "{\"model\": \"digits16-ddpm\", \"nfe\": 5" + (i % 3 == 0 ? "" : ", \"unknown_" + i + "\": 1") + (i % 4 == 0 ? "" : "}");
                    break;
                case 3:
                    yield return i % 2 == 0 ? "" : "not json at all " + i;
                    break;
                default:
                    {
                        var body = new StringBuilder("{");
                        var count = random.Next(1, 7);
                        for (var f = 0; f < count; f++)
                        {
                            var field = random.Next(8) == 0 ? "x" + random.Next(100) : Fields[random.Next(Fields.Length)];
                            var value = Values[random.Next(Values.Length)];
                            if (field == "nfe" && int.TryParse(value, out var number) && number > 8)
                            {
                                value = "8";
                            }

                            body.Append(f == 0 ? "" : ", ").Append('"').Append(field).Append("\": ").Append(value);
                        }

                        yield return body.Append('}').ToString();
                        break;
                    }
            }
        }
    }

    [Fact]
    public async Task A_thousand_malformed_or_hostile_bodies_cause_no_5xx_and_only_documented_problems()
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Hso:RateLimit:PermitsPerWindow"] = "100000" });
        var client = factory.CreateClient();
        var document = await OpenApiDocument.ReadAsync(client);
        var failures = new List<string>();
        var seen = new HashSet<(string, int)>();
        var index = 0;
        foreach (var body in Bodies())
        {
            var path = index++ % 2 == 0 ? "/schedules" : "/generate";
            var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
            var status = (int)response.StatusCode;
            seen.Add((path, status));
            var text = await response.Content.ReadAsStringAsync();
            if (status >= 500 || (status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json") || !document.Statuses(path, "post").Contains(status))
            {
                failures.Add($"{path} {status} {response.Content.Headers.ContentType}: {body[..Math.Min(body.Length, 200)]} -> {text}");
            }
            else if (status >= 400 && (text.Contains("   at ", StringComparison.Ordinal) || text.Contains("HsoService.", StringComparison.Ordinal) || text.Contains("System.", StringComparison.Ordinal) || text.Contains("/work/", StringComparison.Ordinal)))
            {
                failures.Add($"{path} {status} leaks internals: {text[Math.Max(0, text.IndexOf("detail", StringComparison.Ordinal))..]}");
            }
        }

        // Every answer is a problem+json the document lists for its operation, and the bodies reached several of them.
        Assert.Equal(1000, index);
        Assert.Empty(failures);
        Assert.Contains(("/schedules", 400), seen);
        Assert.Contains(("/generate", 404), seen);
    }

    [Theory]
    [InlineData("/schedules/..%2F..%2Fetc%2Fpasswd/5")]
    [InlineData("/schedules/%2e%2e/5")]
    [InlineData("/schedules/digits16-ddpm/99999999999")]
    [InlineData("/schedules/digits16-ddpm/5?solver=../../x&mode=paper")]
    [InlineData("/schedules/digits16-ddpm/5?seed=abc")]
    [InlineData("/schedules/jobs/..%2F..%2Fetc")]
    public async Task Hostile_paths_and_queries_cause_no_5xx(string path)
    {
        using var factory = new ServiceFactory();
        var response = await factory.CreateClient().GetAsync(path);
        Assert.InRange((int)response.StatusCode, 400, 499);
    }

    /// <summary>Hostile paths, queries, headers and URL lengths, the same every run.</summary>
    private static IEnumerable<HttpRequestMessage> Requests()
    {
        var random = new Random(2027);
        string[] segments = ["digits16-ddpm", "tiny-sd", "..", "%2e%2e", "%00", "nope", "a%2Fb", "%ff%fe", "CON", new string('m', 300), "5", "-1", "99999999999", "1e3", "NaN"];
        string[] queries = ["solver=ddim", "solver=../x", "mode=paper", "mode=%00", "seed=-5", "seed=abc", "seed=99999999999999999999", "limit=0", "limit=100000", "cursor=%21%21", "cursor=" + new string('A', 500), "solver=euler&mode=selected"];
        string[] headerValues = ["", "\u0001", new string('x', 4000), "application/json; charset=utf-7", "../../etc/passwd", "null", "%00", "*/*", "image/png", "text/html"];
        string[] headerNames = ["Accept", "X-Api-Key", "X-Forwarded-For", "Accept-Language", "If-None-Match", "X-Hso-Anything", "Content-Language"];
        for (var i = 0; i < 1000; i++)
        {
            var request = (i % 4) switch
            {
                0 => new HttpRequestMessage(HttpMethod.Get, $"/schedules/{segments[random.Next(segments.Length)]}/{segments[random.Next(segments.Length)]}?{queries[random.Next(queries.Length)]}"),
                1 => new HttpRequestMessage(HttpMethod.Get, $"/schedules/{segments[random.Next(segments.Length)]}?{queries[random.Next(queries.Length)]}&{queries[random.Next(queries.Length)]}"),
                2 => new HttpRequestMessage(random.Next(3) switch { 0 => HttpMethod.Delete, 1 => HttpMethod.Get, _ => HttpMethod.Put }, $"/schedules/jobs/{segments[random.Next(segments.Length)]}"),
                _ => new HttpRequestMessage(HttpMethod.Get, "/" + new string('p', random.Next(1, 12_000)) + "?" + queries[random.Next(queries.Length)]),
            };
            var name = headerNames[random.Next(headerNames.Length)];
            var value = headerValues[random.Next(headerValues.Length)];
            request.Headers.TryAddWithoutValidation(name, value);
            if (i % 50 == 0)
            {
                request.Headers.TryAddWithoutValidation("X-Padding", new string('h', 40_000));
            }

            yield return request;
        }
    }

    [Fact]
    public async Task Two_thousand_hostile_requests_over_a_real_socket_get_only_documented_problems()
    {
        using var factory = new ServiceFactory(settings: new Dictionary<string, string?> { ["Hso:RateLimit:PermitsPerWindow"] = "100000", ["Hso:Worker:Enabled"] = "false" });
        factory.StartOnSocket();
        using var client = factory.SocketClient();
        var failures = new List<string>();
        var statuses = new Dictionary<int, int>();
        var sent = 0;

        var nulRequests = 0;
        var kestrelRejections = 0;
        async Task Check(HttpResponseMessage response, string what, bool hasNul = false)
        {
            sent++;
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            var text = await response.Content.ReadAsStringAsync();
            nulRequests += hasNul ? 1 : 0;
            if (hasNul && status == 400 && text.Length == 0)
            {
                kestrelRejections++;
            }
            else if (status >= 500)
            {
                failures.Add($"{what}: {status} {text[..Math.Min(text.Length, 300)]}");
            }
            else if (status >= 400 && (response.Content.Headers.ContentType?.MediaType != "application/problem+json"
                || text.Contains("   at ", StringComparison.Ordinal) || text.Contains("HsoService.", StringComparison.Ordinal) || text.Contains("System.", StringComparison.Ordinal) || text.Contains(Repository.Root, StringComparison.Ordinal)))
            {
                failures.Add($"{what}: {status} {response.Content.Headers.ContentType} {text[..Math.Min(text.Length, 300)]}");
            }
        }

        var index = 0;
        foreach (var body in Bodies())
        {
            var path = index++ % 2 == 0 ? "/schedules" : "/generate";
            await Check(await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json")), $"POST {path} {body[..Math.Min(body.Length, 80)]}");
        }

        foreach (var request in Requests())
        {
            using (request)
            {
                var target = request.RequestUri!.OriginalString;
                await Check(await client.SendAsync(request), $"{request.Method} {target[..Math.Min(target.Length, 80)]}", target.Split('?')[0].Contains("%00", StringComparison.Ordinal));
            }
        }

        Assert.Equal(2000, sent);
        Assert.Equal("", string.Join("\n", failures.Select(f => f[..Math.Min(f.Length, 120)]).Distinct().Take(40)));
        // The one refusal no middleware sees: Kestrel answers a NUL (%00) in the path with 400 and an empty body before
        // the application runs. Only such requests got it (any other empty answer is in failures above).
        Assert.InRange(kestrelRejections, 1, nulRequests);
        // The generator reached the refusals it was written for.
        Assert.All(new[] { 400, 404, 405, 414, 431 }, status => Assert.True(statuses.ContainsKey(status), $"no {status} among {string.Join(", ", statuses.Keys.Order())}"));
    }
}
