using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudService.Tests.Infrastructure;

namespace CloudService.Tests.Storage;

/// <summary>An app whose upload limit is 1 MB, so going over it is cheap.</summary>
public sealed class SmallLimitFixture : IAsyncLifetime
{
    public const long Limit = 1 << 20;

    public TestEnvironment Environment { get; } = new();
    public AppInstance App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Environment.InitializeAsync();
        App = new AppInstance(Environment, settings: new Dictionary<string, string?>
        {
            ["CloudService:Storage:MaxUploadBytes"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // A blob root of its own, outside the data root, as an operator would configure it.
            ["CloudService:Storage:BlobRoot"] = Path.Combine(Environment.DataRoot, "elsewhere", "blobs"),
        });
        _ = App.Server;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Environment.DisposeAsync();
    }
}

[Trait("Category", "Integration")]
public sealed class UploadLimitTests(SmallLimitFixture fixture) : IClassFixture<SmallLimitFixture>
{
    private AppInstance App => fixture.App;

    [Fact]
    public async Task The_configured_blob_root_is_used()
    {
        using var user = await App.NewUserClientAsync();
        var bytes = FilesApi.Utf8("where am I stored?");
        await FilesApi.UploadOkAsync(user, bytes, "where.txt");
        var sha = FilesApi.Sha256Hex(bytes);
        Assert.True(File.Exists(Path.Combine(fixture.Environment.DataRoot, "elsewhere", "blobs", sha[..2], sha[2..4], sha)));
    }

    [Fact]
    public async Task A_file_of_exactly_the_limit_is_accepted()
    {
        using var user = await App.NewUserClientAsync();
        var file = await FilesApi.UploadOkAsync(user, FilesApi.RandomBytes((int)SmallLimitFixture.Limit, seed: 11), "exact.bin");
        Assert.Equal(SmallLimitFixture.Limit, file.GetProperty("size").GetInt64());
    }

    [Theory]
    [InlineData(1L, true)]                              // over by one byte, noticed while streaming
    [InlineData(3 * SmallLimitFixture.Limit, true)]      // refused from Content-Length before reading
    [InlineData(3 * SmallLimitFixture.Limit, false)]     // chunked, no length announced: noticed while streaming
    public async Task An_upload_over_the_limit_is_413_and_leaves_no_blob_no_staged_file_and_no_metadata(long over, bool withLength)
    {
        using var user = await App.NewUserClientAsync();
        var bytes = FilesApi.RandomBytes((int)(SmallLimitFixture.Limit + over), seed: (int)over);
        var blobsBefore = FilesApi.Blobs(App);

        HttpContent content = withLength ? new ByteArrayContent(bytes) : new StreamContent(new UnknownLengthStream(bytes));
        var response = await FilesApi.UploadAsync(user, content, "form-data; name=\"file\"; filename=\"too-big.bin\"");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("1048576", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(blobsBefore, FilesApi.Blobs(App));
        Assert.DoesNotContain(FilesApi.Sha256Hex(bytes), FilesApi.Blobs(App));
        Assert.Empty(FilesApi.StagedFiles(App));
        Assert.Empty((await user.GetFromJsonAsync<JsonElement[]>("/api/files"))!);
    }

    /// <summary>A stream that does not tell its length, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

[Trait("Category", "Integration")]
public sealed class AbortedUploadTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task An_upload_the_client_abandons_halfway_leaves_no_staged_file_and_no_metadata()
    {
        using var user = await fixture.App.NewUserClientAsync();
        using var abandon = new CancellationTokenSource();
        var upload = Task.Run(async () =>
        {
            using var form = new MultipartFormDataContent();
            var content = new StreamContent(new StallsHalfwayStream(abandon.Token));
            content.Headers.TryAddWithoutValidation("Content-Disposition", "form-data; name=\"file\"; filename=\"abandoned.bin\"");
            form.Add(content);
            return await user.PostAsync("/api/files", form, abandon.Token);
        });

        // The upload is under way once its staged file exists; then the client gives up.
        await WaitUntilAsync(() => FilesApi.StagedFiles(fixture.App).Length > 0);
        await abandon.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload);

        await WaitUntilAsync(() => FilesApi.StagedFiles(fixture.App).Length == 0);
        Assert.Empty(FilesApi.Blobs(fixture.App));
        Assert.Empty((await user.GetFromJsonAsync<JsonElement[]>("/api/files"))!);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20);
        }
    }

    /// <summary>Sends 2 MB, then stalls until the client abandons the request.</summary>
    private sealed class StallsHalfwayStream(CancellationToken abandoned) : Stream
    {
        private long sent;

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            await ReadAsync(buffer.AsMemory(offset, count), cancellationToken);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (sent >= 2 << 20)
            {
                using var either = CancellationTokenSource.CreateLinkedTokenSource(abandoned, cancellationToken);
                await Task.Delay(Timeout.Infinite, either.Token);
            }

            var n = Math.Min(buffer.Length, 64 * 1024);
            buffer.Span[..n].Fill((byte)'x');
            sent += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => sent; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
