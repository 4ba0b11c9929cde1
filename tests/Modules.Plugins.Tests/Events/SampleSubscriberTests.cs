using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins.Lifecycle;

namespace CloudService.Tests.Plugins.Events;

/// <summary>The sample subscriber in samples/ is a working program: run as its own process, it logs each lifecycle event once.</summary>
[Trait("Category", "Integration")]
public sealed class SampleSubscriberTests
{
    [Fact]
    public async Task The_sample_subscriber_logs_the_lifecycle_of_a_plugin_in_order()
    {
        await using var environment = await TestEnvironment.CreateAsync();
        await using var app = new AppInstance(environment);
        using var sample = SampleProcess.Start(environment);
        await sample.WaitForLineAsync(l => l.Contains("Bus started", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        using var admin = await app.AdminClientAsync();
        var id = "sample-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Accepted, (await PluginApi.UploadAsync(admin, TestPlugins.Package(id, "1.0.0"))).StatusCode);
        Assert.Equal("ready", (await PluginApi.WaitForFinalAsync(admin, id)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.DeactivateAsync(admin, id)).StatusCode);

        await sample.WaitForLineAsync(l => l.Contains($"{id} 1.0.0", StringComparison.Ordinal) && l.Contains(" deactivated", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var logged = sample.Lines.Where(l => l.Contains($"{id} 1.0.0 #", StringComparison.Ordinal)).ToList();
        Assert.Collection(logged,
            l => Assert.Contains("uploaded", l, StringComparison.Ordinal),
            l => Assert.Contains("validated: Test " + id, l, StringComparison.Ordinal),
            l => Assert.Contains("activated", l, StringComparison.Ordinal),
            l => Assert.Contains("deactivated", l, StringComparison.Ordinal));
        Assert.All(logged, l => Assert.Contains("by admin", l, StringComparison.Ordinal));
    }

    private sealed class SampleProcess : IDisposable
    {
        private readonly Process process;
        private readonly ConcurrentQueue<string> lines = new();

        private SampleProcess(Process process) => this.process = process;

        public IReadOnlyList<string> Lines => [.. lines];

        public static SampleProcess Start(TestEnvironment environment)
        {
            // The sample is built with the solution, in the configuration the tests were built in.
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
            var dll = Path.Combine(RepositoryRoot.Path, "samples", "LifecycleSubscriber", "bin", configuration, "net10.0", "CloudService.LifecycleSubscriber.dll");
            Assert.True(File.Exists(dll), $"{dll} is missing: build the solution first.");
            var userInfo = environment.RabbitMq.UserInfo.Split(':');
            var start = new ProcessStartInfo("dotnet", [dll])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                Environment =
                {
                    ["RabbitMq__Host"] = environment.RabbitMq.Host,
                    ["RabbitMq__Port"] = environment.RabbitMq.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["RabbitMq__VirtualHost"] = environment.VirtualHost,
                    ["RabbitMq__UserName"] = Uri.UnescapeDataString(userInfo[0]),
                    ["RabbitMq__Password"] = Uri.UnescapeDataString(userInfo[1]),
                    ["Logging__LogLevel__MassTransit"] = "Information",
                    ["DOTNET_ENVIRONMENT"] = "Production",
                },
            };
            var sample = new SampleProcess(Process.Start(start)!);
            sample.process.OutputDataReceived += (_, e) => { if (e.Data is { } line) sample.lines.Enqueue(line); };
            sample.process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) sample.lines.Enqueue(line); };
            sample.process.BeginOutputReadLine();
            sample.process.BeginErrorReadLine();
            return sample;
        }

        public async Task WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!lines.Any(match))
            {
                Assert.False(process.HasExited, "The sample exited:\n" + string.Join("\n", lines));
                Assert.True(DateTime.UtcNow < deadline, "The sample did not log it in time. It logged:\n" + string.Join("\n", lines));
                await Task.Delay(50);
            }
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }

            process.Dispose();
        }
    }
}
