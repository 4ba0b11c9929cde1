using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CloudService.Tests.Infrastructure;

namespace CloudService.Tests.Web;

/// <summary>Requests an outsider shapes by hand: a foreign Host header, forwarded headers, a cut-off upload.</summary>
[Trait("Category", "Integration")]
public sealed class HostileRequestTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task A_foreign_host_header_is_refused_and_never_copied_into_a_redirect()
    {
        using var client = fixture.App.AnonymousClient();
        using var foreign = new HttpRequestMessage(HttpMethod.Get, "/admin/users");
        foreign.Headers.Host = "evil.example";
        var refused = await client.SendAsync(foreign);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Null(refused.Headers.Location);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        using (var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()))
        {
            Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
        }

        using var forwarded = new HttpRequestMessage(HttpMethod.Get, "/admin/users");
        forwarded.Headers.Add("X-Forwarded-Host", "evil.example");
        var redirect = await client.SendAsync(forwarded);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.DoesNotContain("evil", redirect.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.StartsWith("/login", redirect.Headers.Location.OriginalString, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/files", "file")]
    [InlineData("/api/admin/plugins", "package")]
    public async Task A_multipart_upload_cut_off_in_the_middle_is_a_400_not_a_500(string url, string field)
    {
        using var admin = await fixture.App.AdminClientAsync();
        foreach (var body in new[]
        {
            $"--cut\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"a.zip\"\r\nContent-Type: application/octet-stream\r\n\r\n" + new string('x', 100_000),
            $"--cut\r\nContent-Disposition: form-data; name=\"{field}\"; filena",
        })
        {
            using var content = new ByteArrayContent(Encoding.ASCII.GetBytes(body));
            content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=cut");
            var response = await admin.PostAsync(url, content);
            var problem = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {problem}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("/", JsonDocument.Parse(problem).RootElement.GetProperty("detail").GetString()!.Replace("multipart/form-data", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }
}
