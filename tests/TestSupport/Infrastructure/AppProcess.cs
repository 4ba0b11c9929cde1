using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace CloudService.Tests.Infrastructure;

/// <summary>
/// The built app (the Bootstrapper DLL) as a process of its own, for what only a real process shows:
/// a SIGKILL mid-way (no shutdown code runs) and the connections the process opens. Configured like
/// <see cref="AppInstance"/> for one <see cref="TestEnvironment"/>.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> lines = new();

    private AppProcess(Process process, int port)
    {
        this.process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
    }

    public int Port { get; }
    public Uri BaseAddress { get; }
    public int Id => process.Id;
    public IReadOnlyList<string> Lines => [.. lines];

    /// <summary>Starts the app and returns once it answers <c>/health/live</c>.</summary>
    public static async Task<AppProcess> StartAsync(TestEnvironment environment, string dataRoot, IDictionary<string, string?>? settings = null, IDictionary<string, string?>? processEnvironment = null)
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var dll = Path.Combine(RepositoryRoot.Path, "src", "Bootstrapper", "bin", configuration, "net10.0", "CloudService.Bootstrapper.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution first.");
        var port = FreePort();
        var rabbit = environment.RabbitMq;
        var userInfo = rabbit.UserInfo.Split(':');
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        var values = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Postgres"] = environment.PostgresConnectionString,
            ["RabbitMq__Host"] = rabbit.Host,
            ["RabbitMq__Port"] = rabbit.Port.ToString(CultureInfo.InvariantCulture),
            ["RabbitMq__VirtualHost"] = environment.VirtualHost,
            ["RabbitMq__UserName"] = Uri.UnescapeDataString(userInfo[0]),
            ["RabbitMq__Password"] = Uri.UnescapeDataString(userInfo.ElementAtOrDefault(1) ?? ""),
            ["CloudService__Admin__UserName"] = AppInstance.AdminUserName,
            ["CloudService__Admin__Password"] = AppInstance.AdminPassword,
            ["CloudService__DataRoot"] = dataRoot,
            // Production refuses to start on a schema that is behind; run.sh runs `migrate` first, this does it at start-up.
            ["CloudService__Database__MigrateOnStartup"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        foreach (var (key, value) in processEnvironment ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        foreach (var (key, value) in values)
        {
            start.Environment[key] = value;
        }

        var app = new AppProcess(Process.Start(start)!, port);
        app.process.OutputDataReceived += (_, e) => { if (e.Data is { } line) app.lines.Enqueue(line); };
        app.process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) app.lines.Enqueue(line); };
        app.process.BeginOutputReadLine();
        app.process.BeginErrorReadLine();
        await app.WaitUntilLiveAsync(TimeSpan.FromSeconds(90));
        return app;
    }

    private async Task WaitUntilLiveAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Assert.False(process.HasExited, "The app exited:\n" + string.Join("\n", lines));
            try
            {
                if ((await http.GetAsync("health/live")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, "The app did not start in time:\n" + string.Join("\n", lines));
            await Task.Delay(100);
        }
    }

    /// <summary>A client signed in as the admin with a bearer token.</summary>
    public async Task<HttpClient> AdminClientAsync()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        var response = await client.PostAsJsonAsync("api/auth/token", new { userName = AppInstance.AdminUserName, password = AppInstance.AdminPassword });
        response.EnsureSuccessStatusCode();
        var token = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        return client;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or an OOM kill.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }

    /// <summary>Stops the app as Ctrl+C would (SIGINT), waiting for it to exit.</summary>
    public async Task StopAsync()
    {
        if (process.HasExited)
        {
            return;
        }

        _ = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)])!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        process.Dispose();
        return ValueTask.CompletedTask;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
