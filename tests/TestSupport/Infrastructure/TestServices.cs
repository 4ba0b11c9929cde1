using System.Net.Http.Headers;
using System.Text;
using DotNet.Testcontainers.Builders;
using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace CloudService.Tests.Infrastructure;

/// <summary>
/// PostgreSQL and RabbitMQ for the whole test run: Testcontainers where a Docker engine answers,
/// otherwise the local services that test.sh started (given by CLOUDSERVICE_TEST_* variables).
/// Every test environment then gets its own database and virtual host from them.
/// </summary>
internal static class TestServices
{
    private static readonly Lazy<Task<Endpoints>> Shared = new(StartAsync);

    internal sealed record Endpoints(string PostgresAdmin, Uri RabbitMq, Uri RabbitMqManagement);

    public static Task<Endpoints> GetAsync() => Shared.Value;

    private static async Task<Endpoints> StartAsync()
    {
        try
        {
            var postgres = new PostgreSqlBuilder("postgres:16-alpine").Build();
            var rabbit = new RabbitMqBuilder("rabbitmq:3.13-management-alpine").WithPortBinding(15672, true).Build();
            await Task.WhenAll(postgres.StartAsync(), rabbit.StartAsync());
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                postgres.DisposeAsync().AsTask().GetAwaiter().GetResult();
                rabbit.DisposeAsync().AsTask().GetAwaiter().GetResult();
            };
            return new Endpoints(
                postgres.GetConnectionString(),
                new Uri(rabbit.GetConnectionString()),
                new Uri($"http://rabbitmq:rabbitmq@{rabbit.Hostname}:{rabbit.GetMappedPublicPort(15672)}/"));
        }
        catch (Exception e) when (e is DockerUnavailableException || e.InnerException is DockerUnavailableException || e.GetType().Name.Contains("Docker", StringComparison.Ordinal))
        {
            return new Endpoints(
                Required("CLOUDSERVICE_TEST_POSTGRES"),
                new Uri(Required("CLOUDSERVICE_TEST_RABBITMQ")),
                new Uri(Required("CLOUDSERVICE_TEST_RABBITMQ_MANAGEMENT")));
        }
    }

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"No Docker engine answers and {name} is not set: run the tests with ./test.sh, which starts PostgreSQL and RabbitMQ.");

    /// <summary>Creates a database of its own and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string name)
    {
        var endpoints = await GetAsync();
        await using (var connection = new NpgsqlConnection(endpoints.PostgresAdmin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(endpoints.PostgresAdmin) { Database = name, Pooling = true, MaxPoolSize = 40 }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string name)
    {
        var endpoints = await GetAsync();
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(endpoints.PostgresAdmin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await command.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException e) when (attempt < 20 && e.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ObjectInUse)
            {
                // FORCE may not terminate a backend of another role (an autovacuum worker busy on it): wait for it.
                await Task.Delay(250);
            }
        }
    }

    public static async Task CreateVirtualHostAsync(string name)
    {
        var endpoints = await GetAsync();
        using var http = Management(endpoints);
        var vhost = Uri.EscapeDataString(name);
        (await http.PutAsync($"api/vhosts/{vhost}", null)).EnsureSuccessStatusCode();
        var user = Uri.UnescapeDataString(endpoints.RabbitMq.UserInfo.Split(':')[0]);
        (await http.PutAsync($"api/permissions/{vhost}/{Uri.EscapeDataString(user)}",
            new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
    }

    public static async Task DeleteVirtualHostAsync(string name)
    {
        var endpoints = await GetAsync();
        using var http = Management(endpoints);
        await http.DeleteAsync($"api/vhosts/{Uri.EscapeDataString(name)}");
    }

    private static HttpClient Management(Endpoints endpoints)
    {
        var uri = endpoints.RabbitMqManagement;
        var http = new HttpClient { BaseAddress = new Uri(uri.GetLeftPart(UriPartial.Authority) + "/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(uri.UserInfo))));
        return http;
    }
}
