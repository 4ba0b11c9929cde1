using CloudService.Tests.Infrastructure;

namespace CloudService.Tests.Preview.Security;

/// <summary>
/// One app with two render slots and one per user, at most three renders waiting per user, a render
/// limit long enough that renders end when the test says so, failures remembered for a minute, and
/// nothing rendered ahead of a request.
/// </summary>
public sealed class PreviewSecurityFixture : IAsyncLifetime
{
    public TestEnvironment Environment { get; } = new();

    public AppInstance App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Environment.InitializeAsync();
        var settings = PreviewTesting.Settings(Environment);
        settings["CloudService:Preview:RenderConcurrency"] = "2";
        settings["CloudService:Preview:RenderSlotsPerUser"] = "1";
        settings["CloudService:Preview:MaxQueuedRendersPerUser"] = "3";
        settings["CloudService:Preview:RenderTimeout"] = "00:00:30";
        settings["CloudService:Preview:FailureTtl"] = "00:01:00";
        settings["CloudService:Preview:PregenerateOnUpload"] = "false";
        App = new AppInstance(Environment, "a", settings);
        _ = App.Server;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Environment.DisposeAsync();
    }
}
