using System.Net;
using CloudService.Tests.Storage;
using Npgsql;
using Xunit.Abstractions;

namespace CloudService.Tests.Preview.Security;

/// <summary>
/// No cross-user preview oracle (issue 23): whether another user has previewed exactly these bytes
/// makes no observable difference — the same status, the same headers (X-Preview-Cache: miss), an
/// ETag computed from the preview alone, and a real render (so no difference in time either).
/// </summary>
[Trait("Category", "Integration")]
public sealed class PreviewPrivacyTests(PreviewAppFixture fixture, ITestOutputHelper output) : IClassFixture<PreviewAppFixture>
{
    [Fact]
    public async Task Bytes_another_user_previewed_look_exactly_like_bytes_nobody_has()
    {
        using var alice = await fixture.App.NewUserClientAsync();
        using var bob = await fixture.App.NewUserClientAsync();
        var known = FilesApi.Utf8($"known to alice {Guid.NewGuid()}\n");
        var unknown = FilesApi.Utf8($"known to nobody {Guid.NewGuid()}\n");
        var alicesFile = await FilesApi.UploadOkAsync(alice, known, "a.txt");
        Assert.Equal(HttpStatusCode.OK, (await PreviewTesting.GetPreviewAsync(alice, alicesFile.Id())).StatusCode);
        Assert.Equal("hit", (await PreviewTesting.GetPreviewAsync(alice, alicesFile.Id())).Header("X-Preview-Cache"));

        var sameBytes = await PreviewTesting.GetPreviewAsync(bob, (await FilesApi.UploadOkAsync(bob, known, "b.txt")).Id());
        var newBytes = await PreviewTesting.GetPreviewAsync(bob, (await FilesApi.UploadOkAsync(bob, unknown, "c.txt")).Id());

        Assert.Equal(newBytes.StatusCode, sameBytes.StatusCode);
        Assert.Equal("miss", sameBytes.Header("X-Preview-Cache"));
        Assert.Equal("miss", newBytes.Header("X-Preview-Cache"));
        Assert.Equal(HeaderNames(newBytes), HeaderNames(sameBytes));
        // Bob's first view of the bytes cost a render of his own, as for bytes nobody has.
        Assert.Equal(2, await PreviewTesting.GenerationsAsync(fixture.Environment, FilesApi.Sha256Hex(known), "builtin-text"));
        Assert.Equal(1, await PreviewTesting.GenerationsAsync(fixture.Environment, FilesApi.Sha256Hex(unknown), "builtin-text"));
        Assert.Equal("hit", (await PreviewTesting.GetPreviewAsync(bob, (await FilesApi.UploadOkAsync(bob, known, "b2.txt")).Id())).Header("X-Preview-Cache"));
    }

    /// <summary>
    /// What the partition costs: 12 users with 8 files each, 3 of them the same for everyone (a shared
    /// template, a licence), each file viewed twice. Counts rows, bytes and hits as stored and served,
    /// and what one cache for all users would have held. The numbers go to the test output (ADR 8).
    /// </summary>
    [Fact]
    public async Task The_cost_of_partitioning_by_user_is_one_preview_per_user_of_shared_bytes()
    {
        const int users = 12, own = 5, shared = 3;
        var run = Guid.NewGuid().ToString("N")[..8];
        var sharedTexts = Enumerable.Range(0, shared).Select(i => $"shared {run} {i}\n" + new string('s', 2000)).ToArray();
        var shas = new HashSet<string>();
        int hits = 0, views = 0;
        for (var u = 0; u < users; u++)
        {
            using var user = await fixture.App.NewUserClientAsync();
            var texts = sharedTexts.Concat(Enumerable.Range(0, own).Select(i => $"own {run} {u} {i}\n" + new string('o', 2000)));
            foreach (var text in texts)
            {
                var bytes = FilesApi.Utf8(text);
                shas.Add(FilesApi.Sha256Hex(bytes));
                var file = await FilesApi.UploadOkAsync(user, bytes, "f.txt");
                for (var view = 0; view < 2; view++)
                {
                    var response = await PreviewTesting.GetPreviewAsync(user, file.Id());
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    hits += response.Header("X-Preview-Cache") == "hit" ? 1 : 0;
                    views++;
                }
            }
        }

        await using var connection = new NpgsqlConnection(fixture.Environment.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*), coalesce(sum(bytes), 0), count(DISTINCT sha256), coalesce(sum(bytes) FILTER (WHERE rn = 1), 0) FROM " +
            "(SELECT sha256, bytes, row_number() OVER (PARTITION BY sha256, provider) AS rn FROM preview.entries WHERE sha256 = ANY($1)) e", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = shas.ToArray() });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var (rows, bytesStored, contents, bytesShared) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));

        Assert.Equal(users * (own + shared), rows);
        Assert.Equal(users * own + shared, contents);
        Assert.Equal(views / 2, hits);
        var sharedHits = views - contents; // one cache for everyone: only the first view of each content misses
        output.WriteLine($"partitioned: {rows} rows, {bytesStored} bytes, hit ratio {(double)hits / views:P1}");
        output.WriteLine($"one cache for all users: {contents} rows, {bytesShared} bytes, hit ratio {(double)sharedHits / views:P1}");
        output.WriteLine($"cost: {rows - contents} more rows (+{100.0 * (rows - contents) / contents:0.#} %), {bytesStored - bytesShared} more bytes, {sharedHits - hits} more renders");
    }

    private static string[] HeaderNames(HttpResponseMessage response) =>
        [.. response.Headers.Concat(response.Content.Headers).Select(h => h.Key).Where(k => k != "Date").Order(StringComparer.OrdinalIgnoreCase)];
}
