using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CloudService.Tests.Infrastructure;

namespace CloudService.Tests.Storage;

[Trait("Category", "Integration")]
public sealed class FileApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private AppInstance App => fixture.App;

    [Fact]
    public async Task A_user_uploads_lists_gets_downloads_and_deletes_a_file()
    {
        using var user = await App.NewUserClientAsync();
        var bytes = FilesApi.Utf8("# Hello\n\nSome *Markdown*.\n");

        var response = await FilesApi.UploadAsync(user, bytes, "hello.md");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = created.Id();
        Assert.Equal($"/api/files/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("hello.md", created.GetProperty("name").GetString());
        Assert.Equal("text/markdown", created.GetProperty("contentType").GetString());
        Assert.Equal(bytes.Length, created.GetProperty("size").GetInt64());
        Assert.Equal(FilesApi.Sha256Hex(bytes), created.GetProperty("sha256").GetString());
        Assert.InRange(created.GetProperty("uploadedAt").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));

        var list = await user.GetFromJsonAsync<JsonElement[]>("/api/files");
        var listed = Assert.Single(list!);
        Assert.Equal(created.ToString(), listed.ToString());

        var single = await user.GetFromJsonAsync<JsonElement>($"/api/files/{id}");
        Assert.Equal(created.ToString(), single.ToString());

        var download = await user.GetAsync($"/api/files/{id}/content");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("text/markdown", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("hello.md", download.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal("bytes", download.Headers.AcceptRanges.Single());
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("sandbox", download.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await user.DeleteAsync($"/api/files/{id}")).StatusCode);
        Assert.Empty((await user.GetFromJsonAsync<JsonElement[]>("/api/files"))!);
        Assert.Equal(HttpStatusCode.NotFound, (await user.GetAsync($"/api/files/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.GetAsync($"/api/files/{id}/content")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.DeleteAsync($"/api/files/{id}")).StatusCode);
        Assert.DoesNotContain(FilesApi.Sha256Hex(bytes), FilesApi.Blobs(App));
    }

    [Fact]
    public async Task Range_requests_get_206_with_exactly_the_asked_bytes()
    {
        using var user = await App.NewUserClientAsync();
        var bytes = FilesApi.RandomBytes(1000, seed: 1);
        var id = (await FilesApi.UploadOkAsync(user, bytes, "data.bin")).Id();

        using var middle = new HttpRequestMessage(HttpMethod.Get, $"/api/files/{id}/content");
        middle.Headers.Range = new RangeHeaderValue(100, 199);
        var response = await user.SendAsync(middle);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("bytes 100-199/1000", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(bytes[100..200], await response.Content.ReadAsByteArrayAsync());

        using var tail = new HttpRequestMessage(HttpMethod.Get, $"/api/files/{id}/content");
        tail.Headers.Range = new RangeHeaderValue(null, 10);
        response = await user.SendAsync(tail);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(bytes[990..], await response.Content.ReadAsByteArrayAsync());

        using var beyond = new HttpRequestMessage(HttpMethod.Get, $"/api/files/{id}/content");
        beyond.Headers.Range = new RangeHeaderValue(5000, 6000);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, (await user.SendAsync(beyond)).StatusCode);

        // The content hash is a strong validator: a client that has the bytes gets 304.
        var etag = (await user.GetAsync($"/api/files/{id}/content")).Headers.ETag;
        Assert.Equal($"\"{FilesApi.Sha256Hex(bytes)}\"", etag?.Tag);
        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/api/files/{id}/content");
        conditional.Headers.IfNoneMatch.Add(etag!);
        Assert.Equal(HttpStatusCode.NotModified, (await user.SendAsync(conditional)).StatusCode);
    }

    [Fact]
    public async Task Every_files_route_is_401_for_anonymous_callers()
    {
        using var owner = await App.NewUserClientAsync();
        var id = (await FilesApi.UploadOkAsync(owner, FilesApi.Utf8("secret"), "secret.txt")).Id();
        using var anonymous = App.AnonymousClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/files")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await FilesApi.UploadAsync(anonymous, FilesApi.Utf8("x"), "x.txt")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/files/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/files/{id}/content")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.DeleteAsync($"/api/files/{id}")).StatusCode);

        using var forged = App.AnonymousClient();
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync($"/api/files/{id}/content")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/files/{id}")).StatusCode);
    }

    [Fact]
    public async Task Another_users_file_is_404_on_every_route_exactly_like_an_unknown_id_and_stays_untouched()
    {
        using var owner = await App.NewUserClientAsync();
        using var other = await App.NewUserClientAsync();
        using var admin = await App.AdminClientAsync();
        var bytes = FilesApi.Utf8("owner's eyes only");
        var id = (await FilesApi.UploadOkAsync(owner, bytes, "private.txt")).Id();
        var unknown = Guid.NewGuid();

        foreach (var stranger in new[] { other, admin })
        {
            foreach (var (method, route) in new[] { (HttpMethod.Get, "/api/files/{0}"), (HttpMethod.Get, "/api/files/{0}/content"), (HttpMethod.Delete, "/api/files/{0}") })
            {
                var theirs = await stranger.SendAsync(new HttpRequestMessage(method, string.Format(System.Globalization.CultureInfo.InvariantCulture, route, id)));
                var nobodys = await stranger.SendAsync(new HttpRequestMessage(method, string.Format(System.Globalization.CultureInfo.InvariantCulture, route, unknown)));
                Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
                Assert.Equal(HttpStatusCode.NotFound, nobodys.StatusCode);
                Assert.Equal("application/problem+json", theirs.Content.Headers.ContentType?.MediaType);
                var a = await theirs.Content.ReadFromJsonAsync<JsonElement>();
                var b = await nobodys.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal(b.GetProperty("title").GetString(), a.GetProperty("title").GetString());
                Assert.Equal(b.GetProperty("detail").GetString()!.Replace(unknown.ToString(), "ID", StringComparison.Ordinal),
                    a.GetProperty("detail").GetString()!.Replace(id.ToString(), "ID", StringComparison.Ordinal));
            }

            Assert.DoesNotContain(await stranger.GetFromJsonAsync<JsonElement[]>("/api/files") ?? [], f => f.Id() == id);
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/files/{id}")).StatusCode);
        }

        Assert.Equal(bytes, await owner.GetByteArrayAsync($"/api/files/{id}/content"));
    }

    [Fact]
    public async Task Ids_that_are_not_guids_are_404()
    {
        using var user = await App.NewUserClientAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await user.GetAsync("/api/files/..%2F..%2Fetc%2Fpasswd")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.GetAsync("/api/files/not-a-guid/content")).StatusCode);
    }

    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("..\\..\\Windows\\System32\\drivers\\etc\\hosts", "hosts")]
    [InlineData("/absolute/path/report.pdf", "report.pdf")]
    [InlineData("..", "unnamed")]
    [InlineData("", "unnamed")]
    [InlineData("   ", "unnamed")]
    [InlineData("tab\there\r\nnewline\u0000nul\u001b[31mred\u007f.txt", "tab here newlinenul[31mred.txt")]
    [InlineData("invoice\u202Egpj.exe", "invoicegpj.exe")]
    [InlineData("résumé ☁ 日本語.txt", "résumé ☁ 日本語.txt")]
    [InlineData("<script>alert(1)</script>.html", "script>.html")]
    public async Task Hostile_file_names_are_display_names_only_and_never_reach_the_disk(string sent, string expected)
    {
        using var user = await App.NewUserClientAsync();
        var bytes = FilesApi.Utf8("hostile name test " + Guid.NewGuid());
        var response = await FilesApi.UploadAsync(user, new ByteArrayContent(bytes), FilesApi.DispositionWithEncodedName(sent));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var file = await response.Content.ReadFromJsonAsync<JsonElement>();
        var name = file.GetProperty("name").GetString()!;

        // A '/' or a backslash splits a name: only the last segment stays.
        Assert.Equal(expected, name);
        Assert.DoesNotContain(name, c => char.IsControl(c) || c is '/' or '\\');

        // The bytes live only under their hash; nothing was written anywhere the name points at.
        Assert.Contains(FilesApi.Sha256Hex(bytes), FilesApi.Blobs(App));
        Assert.All(FilesApi.Blobs(App), blob => Assert.Matches("^[0-9a-f]{64}$", blob));
        Assert.False(File.Exists(Path.Combine(FilesApi.BlobRoot(App), sent)));
        Assert.DoesNotContain(Directory.EnumerateFiles(App.Environment.DataRoot, "*", SearchOption.AllDirectories), p => Path.GetFileName(p) == name);

        var download = await user.GetAsync($"/api/files/{file.Id()}/content");
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());
        var disposition = download.Content.Headers.ContentDisposition!;
        Assert.Equal(name, disposition.FileNameStar ?? disposition.FileName?.Trim('"'));

        var page = await user.GetStringAsync($"/files/{file.Id()}");
        Assert.DoesNotContain("<script>alert", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_very_long_name_is_shortened_and_keeps_its_extension()
    {
        using var user = await App.NewUserClientAsync();
        var file = await FilesApi.UploadOkAsync(user, FilesApi.Utf8("long"), new string('a', 1000) + ".txt");
        var name = file.GetProperty("name").GetString()!;
        Assert.True(name.Length <= 255, $"{name.Length} characters");
        Assert.EndsWith("….txt", name, StringComparison.Ordinal);
        Assert.Equal("text/plain", file.GetProperty("contentType").GetString());
    }

    [Theory]
    [InlineData("photo.txt", "png", "image/png")]
    [InlineData("photo.png", "png", "image/png")]
    [InlineData("notes.md", "markdown", "text/markdown")]
    [InlineData("notes.MARKDOWN", "markdown", "text/markdown")]
    [InlineData("fake.png", "text", "text/plain")]
    [InlineData("no-extension", "text", "text/plain")]
    [InlineData("no-extension", "random", "application/octet-stream")]
    [InlineData("table.csv", "text", "text/csv")]
    [InlineData("latin1.txt", "latin1", "text/plain")]
    [InlineData("page.html", "random", "application/octet-stream")]
    public async Task The_content_type_comes_from_the_name_and_the_first_bytes(string name, string content, string expected)
    {
        using var user = await App.NewUserClientAsync();
        byte[] bytes = content switch
        {
            "png" => [.. FilesApi.PngHeader, .. FilesApi.RandomBytes(200, 2)],
            "markdown" => FilesApi.Utf8("# Title\n\n- a list\n"),
            "text" => FilesApi.Utf8("plain words, nothing else\nline two\n"),
            "latin1" => [.. "Gr"u8, 0xFC, 0xDF, .. "e aus M"u8, 0xFC, .. "nchen\n"u8],
            _ => FilesApi.RandomBytes(4096, 3),
        };
        var file = await FilesApi.UploadOkAsync(user, bytes, name);
        Assert.Equal(expected, file.GetProperty("contentType").GetString());
    }

    [Fact]
    public async Task Identical_content_is_stored_once_and_the_blob_survives_until_its_last_file_is_deleted()
    {
        using var alice = await App.NewUserClientAsync();
        using var bob = await App.NewUserClientAsync();
        var bytes = FilesApi.RandomBytes(64 * 1024, seed: 42);
        var sha = FilesApi.Sha256Hex(bytes);

        var first = await FilesApi.UploadOkAsync(alice, bytes, "one.bin");
        var second = await FilesApi.UploadOkAsync(bob, bytes, "two.bin");
        var third = await FilesApi.UploadOkAsync(alice, bytes, "three.bin");
        Assert.NotEqual(first.Id(), second.Id());
        Assert.All(new[] { first, second, third }, f => Assert.Equal(sha, f.GetProperty("sha256").GetString()));
        Assert.Single(FilesApi.Blobs(App), b => b == sha);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/files/{first.Id()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/files/{third.Id()}")).StatusCode);
        Assert.Contains(sha, FilesApi.Blobs(App));
        Assert.Equal(bytes, await bob.GetByteArrayAsync($"/api/files/{second.Id()}/content"));

        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"/api/files/{second.Id()}")).StatusCode);
        Assert.DoesNotContain(sha, FilesApi.Blobs(App));
    }

    [Fact]
    public async Task Deleting_the_last_file_while_identical_content_is_uploaded_never_loses_the_new_files_content()
    {
        using var alice = await App.NewUserClientAsync();
        using var bob = await App.NewUserClientAsync();
        var bytes = FilesApi.RandomBytes(256 * 1024, seed: 7);
        var sha = FilesApi.Sha256Hex(bytes);

        for (var round = 0; round < 15; round++)
        {
            var old = await FilesApi.UploadOkAsync(alice, bytes, $"old-{round}.bin");
            var delete = alice.DeleteAsync($"/api/files/{old.Id()}");
            var upload = FilesApi.UploadAsync(bob, bytes, $"new-{round}.bin");
            await Task.WhenAll(delete, upload);
            Assert.Equal(HttpStatusCode.NoContent, (await delete).StatusCode);
            var created = await (await upload).Content.ReadFromJsonAsync<JsonElement>();

            var content = await bob.GetAsync($"/api/files/{created.Id()}/content");
            Assert.True(content.StatusCode == HttpStatusCode.OK, $"round {round}: {content.StatusCode}");
            Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(await content.Content.ReadAsByteArrayAsync())));
            Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync($"/api/files/{created.Id()}")).StatusCode);
            Assert.DoesNotContain(sha, FilesApi.Blobs(App));
        }
    }

    [Fact]
    public async Task A_50_MB_file_round_trips_with_a_matching_sha256()
    {
        using var user = await App.NewUserClientAsync();
        var path = Path.Combine(App.Environment.DataRoot, "big-upload.bin");
        string expected;
        await using (var file = File.Create(path))
        using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            var chunk = new byte[1 << 20];
            var random = new Random(50);
            for (var i = 0; i < 50; i++)
            {
                random.NextBytes(chunk);
                sha.AppendData(chunk);
                await file.WriteAsync(chunk);
            }

            expected = Convert.ToHexStringLower(sha.GetHashAndReset());
        }

        HttpResponseMessage response;
        await using (var upload = File.OpenRead(path))
        {
            response = await FilesApi.UploadAsync(user, new StreamContent(upload), "form-data; name=\"file\"; filename=\"big.bin\"");
        }

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(50L << 20, created.GetProperty("size").GetInt64());
        Assert.Equal(expected, created.GetProperty("sha256").GetString());

        using var download = await user.GetAsync($"/api/files/{created.Id()}/content", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(50L << 20, download.Content.Headers.ContentLength);
        await using var body = await download.Content.ReadAsStreamAsync();
        Assert.Equal(expected, Convert.ToHexStringLower(await SHA256.HashDataAsync(body)));
        File.Delete(path);
    }

    [Fact]
    public async Task Requests_without_a_multipart_file_are_refused_with_problem_details_and_store_nothing()
    {
        using var user = await App.NewUserClientAsync();
        var before = FilesApi.Blobs(App).Length;

        var json = await user.PostAsJsonAsync("/api/files", new { name = "x" });
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Equal("application/problem+json", json.Content.Headers.ContentType?.MediaType);

        var wrongField = await FilesApi.UploadAsync(user, FilesApi.Utf8("x"), "x.txt", field: "upload");
        Assert.Equal(HttpStatusCode.BadRequest, wrongField.StatusCode);
        Assert.Equal("application/problem+json", wrongField.Content.Headers.ContentType?.MediaType);
        Assert.Contains("'file'", (await wrongField.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(before, FilesApi.Blobs(App).Length);
        Assert.Empty(FilesApi.StagedFiles(App));
        Assert.Empty((await user.GetFromJsonAsync<JsonElement[]>("/api/files"))!);
    }
}
