using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace HsoService.Api.Tests;

/// <summary>
/// A real redis-server for the tests: the one CI started (HSO_TEST_REDIS=host:port), or a private process on a free
/// loopback port with persistence off. Under CI=true a missing redis-server fails the tests instead of skipping them.
/// A private server can be stopped and started again on the same port (outage tests).
/// </summary>
public sealed class RedisServer : IDisposable
{
    private Process? _process;

    private readonly string? _appendOnlyDirectory;

    private RedisServer(string host, int port, bool owned, string? appendOnlyDirectory = null)
    {
        _appendOnlyDirectory = appendOnlyDirectory;
        Host = host;
        Port = port;
        Owned = owned;
    }

    public string Host { get; }

    public int Port { get; }

    public bool Owned { get; }

    public string ConnectionString => $"{Host}:{Port},abortConnect=false";

    private static int _nextDatabase;

    /// <summary>
    /// The database the store contract's Redis tests use, one test after another (each flushes it): kept out of the
    /// rotation below, so their many flushes never reach a database another class is using at the same time.
    /// </summary>
    public const int ContractDatabase = 15;

    /// <summary>
    /// A connection string to a database of its own (1..14 in turn, or the one given; flushed), so test classes
    /// sharing a server do not meet.
    /// </summary>
    public string IsolatedConnectionString(int? database = null)
    {
        database ??= 1 + Interlocked.Increment(ref _nextDatabase) % (ContractDatabase - 1);
        using (var connection = StackExchange.Redis.ConnectionMultiplexer.Connect($"{Host}:{Port},allowAdmin=true"))
        {
            connection.GetDatabase(database.Value).Execute("FLUSHDB");
        }

        return $"{ConnectionString},defaultDatabase={database}";
    }

    /// <summary>The shared server: CI's when configured, else a private one.</summary>
    public static RedisServer Shared()
    {
        var configured = Environment.GetEnvironmentVariable("HSO_TEST_REDIS");
        if (!string.IsNullOrEmpty(configured))
        {
            var parts = configured.Split(':');
            return new RedisServer(parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), owned: false);
        }

        return StartPrivate();
    }

    /// <summary>
    /// A server of the test's own, which it may stop and start; with <paramref name="appendOnly"/> it keeps its data
    /// across a kill in an append-only file synced on every write, as docker-compose runs it.
    /// </summary>
    public static RedisServer StartPrivate(bool appendOnly = false)
    {
        var server = new RedisServer("127.0.0.1", FreePort(), owned: true, appendOnly ? Directory.CreateTempSubdirectory("hso-redis-").FullName : null);
        server.Start();
        return server;
    }

    public void Start()
    {
        if (!Owned)
        {
            throw new InvalidOperationException("only a private server can be started");
        }

        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not installed (apt-get install redis-server); the Redis tests need a real server");
        var start = new ProcessStartInfo(binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string[] persistence = _appendOnlyDirectory is null ? ["--appendonly", "no"] : ["--appendonly", "yes", "--appendfsync", "always", "--dir", _appendOnlyDirectory];
        foreach (var arg in (string[])["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--protected-mode", "no", .. persistence])
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new InvalidOperationException($"redis-server did not listen on {Port}");
    }

    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => Stop();

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
