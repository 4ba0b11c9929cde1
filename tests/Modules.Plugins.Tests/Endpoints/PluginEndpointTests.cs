using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins.Lifecycle;

namespace CloudService.Tests.Plugins.Endpoints;

/// <summary>An app whose plugin endpoints time out after 1 s and take at most 1 KB.</summary>
public sealed class EndpointFixture : AppFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["CloudService:Plugins:Endpoints:Timeout"] = "00:00:01",
        ["CloudService:Plugins:Endpoints:MaxRequestBytes"] = "1024",
    };
}

/// <summary>
/// Plugins' HTTP endpoints under /plugins/{pluginId}/ (API.md, "Plugin extension points"; issue 15):
/// who may call them, what they are given, the limits, and that they exist only while the plugin is active.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PluginEndpointTests(EndpointFixture fixture) : IClassFixture<EndpointFixture>
{
    [Fact]
    public async Task Endpoints_answer_signed_in_users_with_their_identity_admins_only_where_they_say_and_nobody_while_inactive()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var id = await ActivateAsync(admin);
        using var user = await fixture.App.NewUserClientAsync("endpoint-user-" + Guid.NewGuid().ToString("N")[..6]);

        var hello = await user.GetAsync($"/plugins/{id}/hello?q=search+me");
        Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
        var body = await hello.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("endpoint-user-", body.GetProperty("caller").GetString(), StringComparison.Ordinal);
        Assert.False(body.GetProperty("admin").GetBoolean());
        Assert.Equal("search me", body.GetProperty("q").GetString());
        Assert.Equal("nosniff", hello.Headers.GetValues("X-Content-Type-Options").Single());

        Assert.Equal("item 42", await (await user.GetAsync($"/plugins/{id}/items/42")).Content.ReadAsStringAsync());
        var echo = await user.PostAsync($"/plugins/{id}/echo", new StringContent("twelve bytes", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Created, echo.StatusCode);
        Assert.Equal("12", await echo.Content.ReadAsStringAsync());
        Assert.Equal((HttpStatusCode)418, (await user.GetAsync($"/plugins/{id}/teapot")).StatusCode);

        // Admin-only, anonymous, unknown routes and methods: problem details, never a redirect.
        await AssertProblemAsync(await user.GetAsync($"/plugins/{id}/admin/stats"), HttpStatusCode.Forbidden);
        Assert.Equal("stats", await (await admin.GetAsync($"/plugins/{id}/admin/stats")).Content.ReadAsStringAsync());
        using var anonymous = fixture.App.AnonymousClient();
        await AssertProblemAsync(await anonymous.GetAsync($"/plugins/{id}/hello"), HttpStatusCode.Unauthorized);
        await AssertProblemAsync(await user.GetAsync($"/plugins/{id}/nothing-here"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await user.DeleteAsync($"/plugins/{id}/hello"), HttpStatusCode.MethodNotAllowed);
        await AssertProblemAsync(await user.GetAsync("/plugins/no-such-plugin/hello"), HttpStatusCode.NotFound);

        // Deactivated: gone at once; active again: back.
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.DeactivateAsync(admin, id)).StatusCode);
        await AssertProblemAsync(await user.GetAsync($"/plugins/{id}/hello"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync($"/plugins/{id}/hello")).StatusCode);
    }

    [Fact]
    public async Task A_slow_failing_oversized_or_scripted_answer_is_contained()
    {
        using var admin = await fixture.App.AdminClientAsync();
        var id = await ActivateAsync(admin);
        using var user = await fixture.App.NewUserClientAsync();

        var slow = await user.GetAsync($"/plugins/{id}/slow");
        await AssertProblemAsync(slow, HttpStatusCode.GatewayTimeout);

        var boom = await user.GetAsync($"/plugins/{id}/boom");
        var problem = await AssertProblemAsync(boom, HttpStatusCode.BadGateway);
        Assert.Contains("exploded", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("/srv/secret", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", problem, StringComparison.Ordinal);

        await AssertProblemAsync(await user.PostAsync($"/plugins/{id}/echo", new ByteArrayContent(new byte[2048])), HttpStatusCode.RequestEntityTooLarge);

        // A plugin's page cannot run script in the server's origin, even opened directly.
        var page = await user.GetAsync($"/plugins/{id}/page");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.StartsWith("sandbox;", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("allow-scripts", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("allow-same-origin", policy, StringComparison.Ordinal);
    }

    private static async Task<string> ActivateAsync(HttpClient admin)
    {
        var id = $"endpoints-{Guid.NewGuid():N}"[..18];
        await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, "1.0.0", TestPlugins.EndpointsPluginSource), id);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id)).StatusCode);
        return id;
    }

    private static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} instead of {(int)status}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Headers.Location);
        return text;
    }
}
