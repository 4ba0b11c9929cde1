using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using CloudService.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CloudService.Tests.Identity;

/// <summary>
/// Whoever holds the key ring (a database neighbour, before it was encrypted) could mint a bearer
/// token for any user id with any role. The key ring alone must not be enough: every token is
/// checked against the user store, and the key ring is stored encrypted.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ForgedTokenTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task A_token_minted_with_the_key_ring_for_a_user_that_does_not_exist_is_refused()
    {
        using var forged = ClientWith(Mint(
            new Claim(ClaimTypes.NameIdentifier, Guid.NewGuid().ToString()),
            new Claim(ClaimTypes.Name, "ghost"),
            new Claim(ClaimTypes.Role, "admin")));
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/api/admin/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/api/files")).StatusCode);
    }

    [Fact]
    public async Task A_token_minted_for_the_real_admin_without_the_current_security_stamp_is_refused()
    {
        var adminId = await AdminIdAsync();
        foreach (var stamp in new[] { null, "", "stale-stamp" })
        {
            var claims = new List<Claim>
            {
                new(ClaimTypes.NameIdentifier, adminId.ToString()),
                new(ClaimTypes.Name, AppInstance.AdminUserName),
                new(ClaimTypes.Role, "admin"),
                new("cs:sid", Guid.NewGuid().ToString()),
                new("cs:signed-in", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
            };
            if (stamp is not null)
            {
                claims.Add(new Claim("cs:stamp", stamp));
            }

            using var forged = ClientWith(Mint([.. claims]));
            Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/api/admin/users")).StatusCode);
        }
    }

    [Fact]
    public async Task A_token_issued_at_sign_in_works_and_is_short_lived()
    {
        using var anonymous = fixture.App.AnonymousClient();
        var response = await anonymous.PostAsJsonAsync("/api/auth/token", new { userName = AppInstance.AdminUserName, password = AppInstance.AdminPassword });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var expiresAt = body.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expiresAt, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(16));
        using var admin = ClientWith(body.GetProperty("accessToken").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/admin/users")).StatusCode);
    }

    [Fact]
    public async Task A_refresh_token_gives_new_tokens_once_and_ends_the_session_it_replaces()
    {
        using var anonymous = fixture.App.AnonymousClient();
        var first = await (await anonymous.PostAsJsonAsync("/api/auth/token", new { userName = AppInstance.AdminUserName, password = AppInstance.AdminPassword }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var refresh = first.GetProperty("refreshToken").GetString();

        var refreshed = await anonymous.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = refresh });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var second = await refreshed.Content.ReadFromJsonAsync<JsonElement>();
        using (var renewed = ClientWith(second.GetProperty("accessToken").GetString()!))
        {
            Assert.Equal(HttpStatusCode.OK, (await renewed.GetAsync("/api/admin/users")).StatusCode);
        }

        using (var old = ClientWith(first.GetProperty("accessToken").GetString()!))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await old.GetAsync("/api/admin/users")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = refresh })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = "not-a-token" })).StatusCode);
    }

    [Fact]
    public async Task The_key_ring_in_the_database_is_encrypted_with_a_certificate_only_the_service_can_read()
    {
        using (var admin = await fixture.App.AdminClientAsync())
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/admin/users")).StatusCode);
        }

        await using var connection = new NpgsqlConnection(fixture.Environment.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT data::text FROM identity.mt_doc_dataprotectionkey", connection);
        var keys = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }

        Assert.NotEmpty(keys);
        Assert.All(keys, key =>
        {
            Assert.Contains("encryptedSecret", key, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", key, StringComparison.Ordinal);
        });

        var certificate = Path.Combine(fixture.Environment.DataRoot, "key-encryption.pfx");
        Assert.True(File.Exists(certificate));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(certificate));
        }
    }

    private string Mint(params Claim[] claims)
    {
        var options = fixture.App.Services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(BearerTokenDefaults.AuthenticationScheme);
        var ticket = new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity(claims, "CloudService")),
            new AuthenticationProperties { IssuedUtc = DateTimeOffset.UtcNow, ExpiresUtc = DateTimeOffset.UtcNow.AddYears(5) },
            BearerTokenDefaults.AuthenticationScheme);
        return options.BearerTokenProtector.Protect(ticket);
    }

    private HttpClient ClientWith(string token)
    {
        var client = fixture.App.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<Guid> AdminIdAsync()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var users = await admin.GetFromJsonAsync<JsonElement>("/api/admin/users");
        return users.EnumerateArray().Single(u => u.GetProperty("userName").GetString() == AppInstance.AdminUserName).GetProperty("id").GetGuid();
    }
}
