using CloudService.BuildingBlocks.Errors;

namespace CloudService.Tests.Outages;

/// <summary>Issue 22, item 5: text for users keeps what went wrong and drops where on the server.</summary>
[Trait("Category", "Unit")]
public sealed class SafeTextTests
{
    [Theory]
    [InlineData("Could not find file '/var/lib/cloudservice/plugins/x/1.0.0/lib.dll'.", "/var/lib")]
    [InlineData("No space left on device : '/tmp/cloudservice-tests/abc/plugins/.1.0.0.staging-1f/assets/0.txt'", "/tmp/")]
    [InlineData(@"Access to the path 'C:\srv\data\blobs\ab' is denied.", @"C:\srv")]
    [InlineData("Failed to connect: Host=db.internal;Port=5432;Username=cloudservice;Password=s3cret", "s3cret")]
    [InlineData("boom\n   at CloudService.Modules.Plugins.Validation.PackageValidationJob.RunAsync()", "   at ")]
    public void Scrubbed_text_has_no_server_path_secret_or_stack_frame(string message, string leaked)
    {
        var scrubbed = SafeText.Scrub(message);

        Assert.DoesNotContain(leaked, scrubbed, StringComparison.Ordinal);
        Assert.NotEmpty(scrubbed);
    }

    [Fact]
    public void A_full_disk_is_named_as_such()
    {
        var full = new IOException("No space left on device : '/data/blobs/.incoming/upload-1.tmp'", 28);

        Assert.Equal(OutageKind.DiskFull, Outage.Of(new InvalidOperationException("wrapped", full)));
        Assert.Equal("the server's disk is full", SafeText.Describe(full));
    }
}
