using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace CloudService.Benchmarks.Live;

/// <summary>The running app's HTTP API, as a script uses it (bearer tokens).</summary>
internal sealed class AppClient : IDisposable
{
    private readonly HttpClient http;

    private AppClient(HttpClient http, string token)
    {
        this.http = http;
        Token = token;
    }

    public string Token { get; }

    public Uri BaseAddress => http.BaseAddress!;

    public static async Task<AppClient> SignInAsync(Uri baseAddress, string userName, string password)
    {
        var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
        var response = await http.PostAsJsonAsync("/api/auth/token", new { userName, password });
        await EnsureAsync(response, HttpStatusCode.OK, "signing in");
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new AppClient(http, token);
    }

    public async Task CreateUserAsync(string userName, string password)
    {
        var response = await http.PostAsJsonAsync("/api/admin/users", new { userName, password, role = "user" });
        await EnsureAsync(response, HttpStatusCode.Created, "creating a user");
    }

    /// <summary>Uploads a file; returns its id and SHA-256.</summary>
    public async Task<(Guid Id, string Sha256)> UploadAsync(string name, byte[] content, string contentType)
    {
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(content);
        part.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(part, "file", name);
        var response = await http.PostAsync("/api/files", form);
        await EnsureAsync(response, HttpStatusCode.Created, $"uploading {name}");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetGuid(), body.GetProperty("sha256").GetString()!);
    }

    public Task<(Guid Id, string Sha256)> UploadMarkdownAsync(string name, string markdown) =>
        UploadAsync(name, Encoding.UTF8.GetBytes(markdown), "text/markdown");

    /// <summary>GETs a file's preview (waiting up to 30 s) and returns how long it took, its cache header and its bytes.</summary>
    public async Task<(double Ms, string Cache, byte[] Html)> PreviewAsync(Guid fileId)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync($"/api/files/{fileId}/preview?waitMs=30000");
        var html = await response.Content.ReadAsByteArrayAsync();
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The preview of {fileId} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(html)}");
        }

        return (ms, response.Headers.TryGetValues("X-Preview-Cache", out var values) ? values.First() : "?", html);
    }

    /// <summary>Asks for a file's preview without waiting for it (as a flood would); any answer but a 5xx other than 503 is fine.</summary>
    public async Task RequestPreviewAsync(Guid fileId)
    {
        using var response = await http.GetAsync($"/api/files/{fileId}/preview?waitMs=0");
        if ((int)response.StatusCode >= 500 && response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout))
        {
            throw new InvalidOperationException($"The preview of {fileId} answered {(int)response.StatusCode}.");
        }
    }

    public async Task UploadPluginAsync(string packagePath)
    {
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(await File.ReadAllBytesAsync(packagePath));
        part.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        form.Add(part, "package", Path.GetFileName(packagePath));
        var response = await http.PostAsync("/api/admin/plugins", form);
        await EnsureAsync(response, HttpStatusCode.Accepted, "uploading the plugin package");
    }

    /// <summary>Waits until validation is over; fails unless the plugin can be activated (ready, or active or inactive from an earlier run).</summary>
    public async Task WaitForPluginValidatedAsync(string pluginId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var detail = await http.GetFromJsonAsync<JsonElement>($"/api/admin/plugins/{pluginId}");
            var current = detail.GetProperty("status").GetString();
            if (current is "ready" or "active" or "inactive")
            {
                return;
            }

            if (current == "failed" || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{pluginId} is {current}, not ready: {detail}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>POSTs activate or deactivate and returns how long the answer took.</summary>
    public async Task<double> PluginCommandAsync(string pluginId, string command)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.PostAsync($"/api/admin/plugins/{pluginId}/{command}", null);
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await EnsureAsync(response, HttpStatusCode.OK, $"{command} {pluginId}");
        return ms;
    }

    public Task<JsonElement> GetJsonAsync(string path) => http.GetFromJsonAsync<JsonElement>(path);

    private static async Task EnsureAsync(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{what} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    public void Dispose() => http.Dispose();
}
