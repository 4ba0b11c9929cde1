using System.Net;
using System.Text;
using CloudService.Tests.Infrastructure;
using CloudService.Tests.Plugins;
using CloudService.Tests.Plugins.Lifecycle;
using CloudService.Tests.Storage;

namespace CloudService.Tests.Preview.Security;

/// <summary>
/// The sanitiser is bounded in the real pipeline (issue 23): a plugin's output of 300,000 links or
/// 100,000 nested divs (113 s and 170 s of CPU before, and rendered again once the claim's lease ran
/// out) fails at once with the reason, and the failure is served from the negative cache within its
/// window instead of being generated again.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BoundedSanitisingTests(PreviewSecurityFixture fixture) : IClassFixture<PreviewSecurityFixture>
{
    public static TheoryData<string, string> Floods() => new()
    {
        { "links", "<p>" + string.Concat(Enumerable.Repeat("<a href=x>l</a>", 300_000)) + "</p>" },
        { "nested divs", string.Concat(Enumerable.Repeat("<div>", 100_000)) + "deep" + string.Concat(Enumerable.Repeat("</div>", 100_000)) },
    };

    [Theory]
    [MemberData(nameof(Floods))]
    public async Task A_fragment_too_large_for_the_sanitiser_fails_cleanly_once_and_stays_failed_within_its_window(string name, string html)
    {
        await using var failures = await AmqpSubscriber.StartAsync(fixture.Environment, PreviewTesting.FailedExchange);
        using var admin = await fixture.App.AdminClientAsync();
        using var user = await fixture.App.NewUserClientAsync();
        var (id, ext) = ($"raw-{Guid.NewGuid():N}"[..12], ".x" + Guid.NewGuid().ToString("N")[..6]);
        await PluginApi.UploadReadyAsync(admin, TestPlugins.Package(id, "1.0.0", TestPlugins.RawHtmlPreviewSource(ext)), id);
        Assert.Equal(HttpStatusCode.OK, (await PluginApi.ActivateAsync(admin, id, "1.0.0")).StatusCode);
        var bytes = Encoding.UTF8.GetBytes(html);
        var file = await FilesApi.UploadOkAsync(user, bytes, name.Replace(' ', '-') + ext);

        var failed = await PreviewTesting.WaitForPreviewAsync(user, file.Id());
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        var detail = (await failed.ProblemAsync()).GetProperty("detail").GetString()!;
        Assert.StartsWith($"{id}@1.0.0 produced a preview that was refused: ", detail, StringComparison.Ordinal);

        var sha = FilesApi.Sha256Hex(bytes);
        await failures.WaitForAsync(_ => failures.CountFor(PreviewTesting.FailedExchange, sha) >= 1, TimeSpan.FromSeconds(10));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.BadGateway, (await PreviewTesting.GetPreviewAsync(user, file.Id(), waitMs: 0)).StatusCode);
        }

        Assert.Equal(1, failures.CountFor(PreviewTesting.FailedExchange, sha));
    }
}
