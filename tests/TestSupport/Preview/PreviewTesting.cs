using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudService.Tests.Infrastructure;
using Npgsql;

namespace CloudService.Tests.Preview;

/// <summary>One app for a test class, configured by <see cref="PreviewTesting.Settings"/>.</summary>
public sealed class PreviewAppFixture : IAsyncLifetime
{
    public TestEnvironment Environment { get; } = new();
    public AppInstance App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Environment.InitializeAsync();
        App = new AppInstance(Environment, "a", PreviewTesting.Settings(Environment));
        _ = App.Server;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Environment.DisposeAsync();
    }
}

/// <summary>Drives the preview API as a script would, and looks into the shared cache the way an operator would.</summary>
internal static class PreviewTesting
{
    public const string RequestedExchange = "CloudService.Modules.Preview.Contracts:PreviewRequested";
    public const string GeneratedExchange = "CloudService.Modules.Preview.Contracts:PreviewGenerated";
    public const string FailedExchange = "CloudService.Modules.Preview.Contracts:PreviewFailed";

    /// <summary>
    /// A render time limit of 3 s (enough for a cold Markdown plugin on a busy machine) and failures remembered for 3 s, so the slow cases are quick; and smaller
    /// connection pools, so that bursts of a hundred requests stay within PostgreSQL's connection limit
    /// while other test classes run beside them.
    /// </summary>
    public static Dictionary<string, string?> Settings(TestEnvironment environment) => new()
    {
        ["ConnectionStrings:Postgres"] = new NpgsqlConnectionStringBuilder(environment.PostgresConnectionString) { MaxPoolSize = 10 }.ConnectionString,
        ["CloudService:Preview:RenderTimeout"] = "00:00:03",
        ["CloudService:Preview:FailureTtl"] = "00:00:03",
    };

    public static Task<HttpResponseMessage> GetPreviewAsync(HttpClient client, Guid fileId, int? waitMs = null, string? ifNoneMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/files/{fileId}/preview" + (waitMs is { } w ? $"?waitMs={w}" : ""));
        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        return client.SendAsync(request);
    }

    public static string? Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : null;

    /// <summary>Asks until the preview is there (200), failing on anything but 200 and 202.</summary>
    public static async Task<HttpResponseMessage> WaitForPreviewAsync(HttpClient client, Guid fileId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var response = await GetPreviewAsync(client, fileId, waitMs: 2000);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                return response;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The preview of {fileId} is still pending.");
            }
        }
    }

    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>How often the cached preview of (<paramref name="sha256"/>, <paramref name="provider"/>) was generated; 0 when it is not cached.</summary>
    public static async Task<int> GenerationsAsync(TestEnvironment environment, string sha256, string provider)
    {
        await using var connection = new NpgsqlConnection(environment.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT generations FROM preview.entries WHERE sha256 = $1 AND provider = $2", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = sha256 });
        command.Parameters.Add(new NpgsqlParameter { Value = provider });
        return await command.ExecuteScalarAsync() is int count ? count : 0;
    }

    /// <summary>The providers whose previews of <paramref name="sha256"/> are cached.</summary>
    public static async Task<List<string>> CachedProvidersAsync(TestEnvironment environment, string sha256)
    {
        await using var connection = new NpgsqlConnection(environment.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT provider FROM preview.entries WHERE sha256 = $1 ORDER BY provider", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = sha256 });
        var providers = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            providers.Add(reader.GetString(0));
        }

        return providers;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; false when it did not within <paramref name="timeout"/>.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    public static int CountFor(this AmqpSubscriber subscriber, string exchange, string sha256) =>
        subscriber.Received.Count(r => r.Exchange == exchange && r.Message.GetProperty("sha256").GetString() == sha256);
}
