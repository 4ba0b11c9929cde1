using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;

namespace CloudService.Benchmarks.Live;

/// <summary>
/// The reference for cache hits: Kestrel serving the same bytes as a static file (UseStaticFiles,
/// nothing else in the pipeline), in its own process like the app.
/// </summary>
internal static class StaticServer
{
    public static async Task RunAsync(string root, string url)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = root, WebRootPath = root });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(root) });
        await app.RunAsync();
    }
}
