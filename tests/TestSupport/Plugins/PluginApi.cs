using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace CloudService.Tests.Plugins.Lifecycle;

/// <summary>Drives the plugin admin API the way a script would.</summary>
internal static class PluginApi
{
    public static async Task<HttpResponseMessage> UploadAsync(HttpClient admin, byte[] zip, string fileName = "plugin.zip")
    {
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(zip);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        form.Add(content, "package", fileName);
        return await admin.PostAsync("/api/admin/plugins", form);
    }

    public static async Task<JsonElement> DetailAsync(HttpClient admin, string pluginId) =>
        await admin.GetFromJsonAsync<JsonElement>($"/api/admin/plugins/{pluginId}");

    /// <summary>Waits until validation reaches a final state and returns the detail.</summary>
    public static async Task<JsonElement> WaitForFinalAsync(HttpClient admin, string pluginId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var detail = await DetailAsync(admin, pluginId);
            var status = detail.GetProperty("status").GetString();
            if (status is not ("uploaded" or "validating"))
            {
                return detail;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{pluginId} is still {status} after the timeout.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Uploads a package and waits until that version is validated; fails the test unless it is "ready".</summary>
    public static async Task UploadReadyAsync(HttpClient admin, byte[] zip, string pluginId)
    {
        var upload = await UploadAsync(admin, zip);
        Assert.True(upload.StatusCode == System.Net.HttpStatusCode.Accepted, await upload.Content.ReadAsStringAsync());
        var version = (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetString();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var detail = await DetailAsync(admin, pluginId);
            var state = detail.GetProperty("versions").EnumerateArray().Single(v => v.GetProperty("version").GetString() == version);
            var status = state.GetProperty("status").GetString();
            if (status is not ("uploaded" or "validating"))
            {
                Assert.True(status == "ready", state.ToString());
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{pluginId} {version} is still {status} after 60 s.");
            await Task.Delay(100);
        }
    }

    public static Task<HttpResponseMessage> ActivateAsync(HttpClient admin, string pluginId, string? version = null) =>
        admin.PostAsync($"/api/admin/plugins/{pluginId}/activate" + (version is null ? "" : $"?version={Uri.EscapeDataString(version)}"), null);

    public static Task<HttpResponseMessage> DeactivateAsync(HttpClient admin, string pluginId) =>
        admin.PostAsync($"/api/admin/plugins/{pluginId}/deactivate", null);

    public static async Task<JsonElement[]> LogAsync(HttpClient admin, string pluginId) =>
        (await admin.GetFromJsonAsync<JsonElement[]>($"/api/admin/plugins/{pluginId}/log"))!;
}
