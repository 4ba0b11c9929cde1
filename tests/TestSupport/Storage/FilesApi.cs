using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CloudService.Modules.Storage;
using CloudService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CloudService.Tests.Storage;

/// <summary>Drives the files API the way a script would.</summary>
internal static class FilesApi
{
    public static async Task<HttpResponseMessage> UploadAsync(HttpClient client, byte[] bytes, string fileName, string field = "file") =>
        await UploadAsync(client, new ByteArrayContent(bytes), $"form-data; name=\"{field}\"; filename=\"{fileName}\"");

    /// <summary>Uploads with a Content-Disposition written by hand, for names a well-behaved client would never send.</summary>
    public static async Task<HttpResponseMessage> UploadAsync(HttpClient client, HttpContent content, string contentDisposition)
    {
        using var form = new MultipartFormDataContent();
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.TryAddWithoutValidation("Content-Disposition", contentDisposition);
        form.Add(content);
        return await client.PostAsync("/api/files", form);
    }

    /// <summary>The RFC 5987 form (<c>filename*=UTF-8''…</c>) that carries any character, controls included.</summary>
    public static string DispositionWithEncodedName(string name) =>
        $"form-data; name=\"file\"; filename*=UTF-8''{Uri.EscapeDataString(name)}";

    public static async Task<JsonElement> UploadOkAsync(HttpClient client, byte[] bytes, string fileName)
    {
        var response = await UploadAsync(client, bytes, fileName);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static Guid Id(this JsonElement file) => file.GetProperty("id").GetGuid();

    public static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static readonly byte[] PngHeader = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0];

    /// <summary>Where the instance keeps its blobs (configured, or below its data root).</summary>
    public static string BlobRoot(AppInstance app) =>
        app.Services.GetRequiredService<StorageOptions>().BlobRoot;

    /// <summary>Every stored blob, by name (its SHA-256); staged uploads are not counted.</summary>
    public static string[] Blobs(AppInstance app) =>
        Directory.Exists(BlobRoot(app))
            ? [.. Directory.EnumerateFiles(BlobRoot(app), "*", SearchOption.AllDirectories)
                .Where(p => !Path.GetRelativePath(BlobRoot(app), p).StartsWith(".incoming", StringComparison.Ordinal))
                .Select(p => Path.GetFileName(p))]
            : [];

    public static string[] StagedFiles(AppInstance app)
    {
        var staging = Path.Combine(BlobRoot(app), ".incoming");
        return Directory.Exists(staging) ? Directory.GetFiles(staging) : [];
    }
}
