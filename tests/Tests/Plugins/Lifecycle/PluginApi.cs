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

    public static async Task<JsonElement[]> LogAsync(HttpClient admin, string pluginId) =>
        (await admin.GetFromJsonAsync<JsonElement[]>($"/api/admin/plugins/{pluginId}/log"))!;
}
