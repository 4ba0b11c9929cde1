using System.Net;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Preview;
using CloudService.Tests.Storage;

namespace CloudService.Tests.Diagnostics;

/// <summary>Issue 22: metrics on a Prometheus endpoint, for admins only, with the series operators look at first.</summary>
[Trait("Category", "Integration")]
public sealed class MetricsTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Metrics_are_for_admins_only()
    {
        using var user = await fixture.App.NewUserClientAsync();
        using var anonymous = fixture.App.AnonymousClient();
        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/metrics")).StatusCode);
        // Outside /api an anonymous caller is sent to the sign-in page, like every other page.
        var anonymousAnswer = await anonymous.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Found, anonymousAnswer.StatusCode);
        Assert.StartsWith("/login", anonymousAnswer.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_preview_the_admin_reads_request_latency_previews_served_render_time_and_job_queues()
    {
        using var user = await fixture.App.NewUserClientAsync();
        var file = await FilesApi.UploadOkAsync(user, FilesApi.Utf8($"note {Guid.NewGuid()}\n"), "notes.txt");
        Assert.Equal(HttpStatusCode.OK, (await PreviewTesting.GetPreviewAsync(user, file.Id())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PreviewTesting.GetPreviewAsync(user, file.Id())).StatusCode);

        using var admin = await fixture.App.AdminClientAsync();
        var metrics = await admin.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.StartsWith("text/plain", metrics.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal);
        Assert.Contains("cloudservice_preview_served", text, StringComparison.Ordinal);
        Assert.Contains("cloudservice_preview_render_duration", text, StringComparison.Ordinal);
        Assert.Contains("cloudservice_jobs_count", text, StringComparison.Ordinal);
        // Nothing of the server's inside: no connection string or path in a label.
        Assert.DoesNotContain("Password=", text, StringComparison.OrdinalIgnoreCase);
    }
}
