using CloudService.Modules.Preview.Sanitising;

namespace CloudService.Tests.Preview.Sanitising;

/// <summary>
/// Remote images are blocked by default (issue 23): an image from another site tells its author who
/// opened the file and when. The sanitiser drops image sources unless the admin allows remote images;
/// links stay (following one is the reader's choice). PreviewBeaconBrowserTests shows it in Chromium.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RemotePreviewContentTests
{
    [Theory]
    [InlineData("<img src=\"https://evil.example/beacon.png\" alt=\"b\">")]
    [InlineData("<img src=\"http://evil.example/beacon.png\" alt=\"b\">")]
    [InlineData("<img src=\"//evil.example/beacon.png\" alt=\"b\">")]
    [InlineData("<img src=\"\\\\evil.example/beacon.png\" alt=\"b\">")]
    [InlineData("<img src=\"  HTTPS://evil.example/beacon.png\" alt=\"b\">")]
    [InlineData("<img src=\"h&#x09;ttps://evil.example/beacon.png\" alt=\"b\">")]
    [InlineData("<img src=\"https&#58;//evil.example/beacon.png\" alt=\"b\">")]
    public void A_remote_image_loses_its_source_by_default_and_keeps_its_text(string html)
    {
        Assert.Equal("<img alt=\"b\">", new PreviewSanitizer().Sanitize(html));
    }

    [Fact]
    public void With_remote_images_allowed_a_web_image_keeps_its_source()
    {
        Assert.Equal("<img src=\"https://ok.example/i.png\" alt=\"i\">", new PreviewSanitizer(allowRemoteImages: true).Sanitize("<img src=\"https://ok.example/i.png\" alt=\"i\">"));
    }

    [Fact]
    public void Links_stay_and_relative_images_lose_their_source_too_since_the_frame_loads_no_images()
    {
        var sanitised = new PreviewSanitizer().Sanitize("<a href=\"https://ok.example/page\">p</a><img src=\"pictures/local.png\" alt=\"l\">");
        Assert.Equal("<a href=\"https://ok.example/page\">p</a><img alt=\"l\">", sanitised);
        Assert.Equal("<img src=\"pictures/local.png\" alt=\"l\">", new PreviewSanitizer(allowRemoteImages: true).Sanitize("<img src=\"pictures/local.png\" alt=\"l\">"));
    }
}
