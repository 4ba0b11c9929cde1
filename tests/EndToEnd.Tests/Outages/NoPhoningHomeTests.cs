using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins;
using CloudService.Tests.Plugins.Lifecycle;
using CloudService.Tests.Storage;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CloudService.Tests.Outages;

/// <summary>Issue 22, item 8: the server sends nothing anywhere but to the services its admin configured.</summary>
[Trait("Category", "Integration")]
public sealed class NoPhoningHomeTests
{
    [Fact]
    public async Task MassTransit_usage_telemetry_is_switched_off_in_code()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        await using var app = new AppInstance(environment);

        Assert.False(app.Services.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value.Enabled);
    }

    [Fact]
    public async Task The_running_app_connects_to_postgresql_and_rabbitmq_only()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        // Anything that goes through .NET's default proxy settings (HttpClient) would land here.
        using var trap = new TcpListener(IPAddress.Loopback, 0);
        trap.Start();
        var trapUrl = $"http://127.0.0.1:{((IPEndPoint)trap.LocalEndpoint).Port}";
        var postgres = new NpgsqlConnectionStringBuilder(environment.PostgresConnectionString);
        var allowedPorts = new HashSet<int> { postgres.Port, environment.RabbitMq.Port };
        await using var app = await AppProcess.StartAsync(environment, Path.Combine(environment.DataRoot, "quiet"), processEnvironment: new Dictionary<string, string?>
        {
            ["HTTP_PROXY"] = trapUrl,
            ["HTTPS_PROXY"] = trapUrl,
            ["ALL_PROXY"] = trapUrl,
        });
        var seen = new HashSet<IPEndPoint>();
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!watching.IsCancellationRequested)
            {
                foreach (var remote in ProcessSockets.OutgoingOf(app.Id, app.Port))
                {
                    lock (seen)
                    {
                        seen.Add(remote);
                    }
                }

                await Task.Delay(20);
            }
        });

        // What a user and an admin do in a session: sign in, upload, preview, upload and activate a plugin.
        using var admin = await app.AdminClientAsync();
        var file = await FilesApi.UploadOkAsync(admin, FilesApi.Utf8("# hello"), "hello.md");
        await admin.GetAsync($"api/files/{file.Id()}/preview?waitMs=5000");
        var id = "quiet-" + Guid.NewGuid().ToString("N")[..8];
        await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, "1.0.0"), id);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id)).StatusCode);
        await app.StopAsync();
        await watching.CancelAsync();
        await watcher;

        Assert.False(trap.Pending(), "The app sent a request through the default HTTP proxy.");
        Assert.NotEmpty(seen);
        Assert.All(seen, remote => Assert.True(
            IPAddress.IsLoopback(remote.Address) && allowedPorts.Contains(remote.Port),
            $"The app had a connection to {remote}; only PostgreSQL and RabbitMQ are configured."));
    }
}

/// <summary>The TCP peers of one process, from /proc (Linux): its socket inodes matched against the kernel's tables.</summary>
internal static class ProcessSockets
{
    /// <summary>The remote end of each outgoing connection (one whose local port is not <paramref name="listeningPort"/>).</summary>
    public static IEnumerable<IPEndPoint> OutgoingOf(int pid, int listeningPort)
    {
        var inodes = new HashSet<string>();
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target[8..^1]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break; // the process is gone
        }

        foreach (var (table, v6) in new[] { ("/proc/net/tcp", false), ("/proc/net/tcp6", true) })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // local, remote, state; state 0A is a listening socket
                if (columns.Length > 9 && inodes.Contains(columns[9]) && columns[3] != "0A" && Parse(columns[1], v6).Port != listeningPort)
                {
                    yield return Parse(columns[2], v6);
                }
            }
        }
    }

    private static IPEndPoint Parse(string hexEndpoint, bool v6)
    {
        var parts = hexEndpoint.Split(':');
        var bytes = Convert.FromHexString(parts[0]);
        // The kernel prints each 32-bit word in host (little-endian) order.
        for (var i = 0; i < bytes.Length; i += 4)
        {
            Array.Reverse(bytes, i, 4);
        }

        var address = new IPAddress(bytes);
        if (v6 && address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return new IPEndPoint(address, int.Parse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }
}
