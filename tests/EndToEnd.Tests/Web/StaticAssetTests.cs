using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using CloudService.Tests.Infrastructure;

namespace CloudService.Tests.Web;

/// <summary>
/// Pages carry no inline script: each links its module's static files by a versioned URL, cached for a
/// year as immutable; the same file under any other version is revalidated by its ETag.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class StaticAssetTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Theory]
    [InlineData("/admin/plugins", "/_content/CloudService.Modules.Plugins/plugin-list.js")]
    [InlineData("/admin/plugins/some-plugin", "/_content/CloudService.Modules.Plugins/settings-form.js /_content/CloudService.Modules.Plugins/plugin-detail.js")]
    [InlineData("/files", "/_content/CloudService.Modules.Storage/file-list.js")]
    [InlineData("/admin/users", "/_content/CloudService.Modules.Identity/users.js")]
    public async Task A_page_links_its_modules_script_and_has_no_inline_script(string page, string scripts)
    {
        var expected = scripts.Split(' ');
        using var admin = await fixture.App.AdminClientAsync();
        var response = await admin.GetAsync(page);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();

        var sources = ScriptTag().Matches(html).Select(m => m.Groups["src"].Value).ToList();
        Assert.Equal(1 + expected.Length, sources.Count);
        Assert.StartsWith("/_content/CloudService.BuildingBlocks/app.js?v=", sources[0], StringComparison.Ordinal);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.StartsWith(expected[i] + "?v=", sources[i + 1], StringComparison.Ordinal);
        }

        Assert.Equal(1 + expected.Length, Regex.Count(html, "<script", RegexOptions.IgnoreCase));
        Assert.DoesNotMatch(InlineHandler(), html);
        Assert.Equal(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'",
            response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task The_sign_in_page_gets_the_shells_files_without_signing_in_and_the_versioned_url_is_immutable()
    {
        using var anonymous = fixture.App.AnonymousClient();
        var html = await anonymous.GetStringAsync("/login");
        var links = AssetLink().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups["url"].Value)).ToList();
        Assert.Equal(3, links.Count); // icon, stylesheet, shell script
        foreach (var link in links)
        {
            var versioned = await anonymous.GetAsync(link);
            Assert.Equal(HttpStatusCode.OK, versioned.StatusCode);
            Assert.Equal("public, max-age=31536000, immutable", versioned.Headers.CacheControl!.ToString());
            Assert.Equal("nosniff", versioned.Headers.GetValues("X-Content-Type-Options").Single());
            var etag = versioned.Headers.ETag!;
            Assert.Equal($"\"{link[(link.IndexOf("?v=", StringComparison.Ordinal) + 3)..]}\"", etag.Tag);
            Assert.NotEmpty(await versioned.Content.ReadAsByteArrayAsync());

            // Another version (an old page, another instance mid-upgrade): served, but never cached unchecked.
            var other = link[..link.IndexOf('?', StringComparison.Ordinal)] + "?v=old";
            var unversioned = await anonymous.GetAsync(other);
            Assert.Equal(HttpStatusCode.OK, unversioned.StatusCode);
            Assert.True(unversioned.Headers.CacheControl!.NoCache, unversioned.Headers.CacheControl.ToString());
            Assert.Equal(etag, unversioned.Headers.ETag);

            using var revalidate = new HttpRequestMessage(HttpMethod.Get, other);
            revalidate.Headers.IfNoneMatch.Add(etag);
            Assert.Equal(HttpStatusCode.NotModified, (await anonymous.SendAsync(revalidate)).StatusCode);
        }

        var css = await anonymous.GetAsync(links.Single(l => l.Contains("app.css", StringComparison.Ordinal)));
        Assert.Equal(new MediaTypeHeaderValue("text/css") { CharSet = "utf-8" }, css.Content.Headers.ContentType);
        var js = await anonymous.GetAsync(links.Single(l => l.Contains("app.js", StringComparison.Ordinal)));
        Assert.Equal("text/javascript", js.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData("/_content/CloudService.Modules.Plugins/missing.js")]
    [InlineData("/_content/CloudService.Modules.Plugins/wwwroot/plugin-list.js")]
    [InlineData("/_content/CloudService.BuildingBlocks/PageShell.html")]
    [InlineData("/_content/System.Private.CoreLib/anything.js")]
    [InlineData("/_content/CloudService.Modules.Preview/x.js")]
    public async Task Only_files_a_module_ships_in_its_wwwroot_are_served(string path)
    {
        using var anonymous = fixture.App.AnonymousClient();
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(path)).StatusCode);
    }

    [GeneratedRegex("""<script src="(?<src>[^"]+)"></script>""")]
    private static partial Regex ScriptTag();

    /// <summary>An on… attribute inside a tag, as ArchitectureRules forbids it in C#.</summary>
    [GeneratedRegex(@"<[a-z][^<>]*\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineHandler();

    [GeneratedRegex("""(?:href|src)="(?<url>/_content/[^"]+)""")]
    private static partial Regex AssetLink();
}
