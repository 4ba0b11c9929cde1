namespace CloudService.Tests.Infrastructure;

/// <summary>
/// One isolated world for a test class: a database and a RabbitMQ virtual host of its own, and a
/// data folder. Several app instances (<see cref="AppInstance"/>) can share it, as a cluster would.
/// </summary>
public sealed class TestEnvironment : IAsyncLifetime, IAsyncDisposable
{
    private static int counter;

    public string Name { get; } = $"cs_test_{Environment.ProcessId}_{Interlocked.Increment(ref counter)}_{Guid.NewGuid().ToString("N")[..6]}";
    public string PostgresConnectionString { get; private set; } = "";
    public Uri RabbitMq { get; private set; } = null!;
    public string VirtualHost => Name;
    public string DataRoot { get; } = Path.Combine(Path.GetTempPath(), "cloudservice-tests", Guid.NewGuid().ToString("N"));

    /// <summary>An environment owned by one test (for tests that need a world of their own): <c>await using var e = await TestEnvironment.CreateAsync();</c></summary>
    public static async Task<TestEnvironment> CreateAsync()
    {
        var environment = new TestEnvironment();
        await environment.InitializeAsync();
        return environment;
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    public async Task InitializeAsync()
    {
        var endpoints = await TestServices.GetAsync();
        RabbitMq = endpoints.RabbitMq;
        PostgresConnectionString = await TestServices.CreateDatabaseAsync(Name);
        await TestServices.CreateVirtualHostAsync(VirtualHost);
        Directory.CreateDirectory(DataRoot);
    }

    public async Task DisposeAsync()
    {
        await TestServices.DropDatabaseAsync(Name);
        await TestServices.DeleteVirtualHostAsync(VirtualHost);
        try
        {
            Directory.Delete(DataRoot, recursive: true);
        }
        catch (IOException)
        {
            // A plugin folder can still be held open on some systems; it is a temp folder.
        }
    }
}
