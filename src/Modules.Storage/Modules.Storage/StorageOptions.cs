using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace CloudService.Modules.Storage;

internal sealed class StorageOptions
{
    public const long DefaultMaxUploadBytes = 100L * 1024 * 1024;

    /// <summary>Root of the content-addressed blob store; local to the instance (or a shared mount).</summary>
    public string BlobRoot { get; set; } = "";

    [Range(1, long.MaxValue, ErrorMessage = "CloudService:Storage:MaxUploadBytes must be a positive number of bytes.")]
    public long MaxUploadBytes { get; set; } = DefaultMaxUploadBytes;

    public static StorageOptions From(IConfiguration configuration)
    {
        var options = configuration.GetSection("CloudService:Storage").Get<StorageOptions>() ?? new StorageOptions();
        if (string.IsNullOrEmpty(options.BlobRoot))
        {
            var dataRoot = configuration["CloudService:DataRoot"] is { Length: > 0 } d ? d : ".data";
            options.BlobRoot = Path.Combine(dataRoot, "blobs");
        }

        options.BlobRoot = Path.GetFullPath(options.BlobRoot);
        return options;
    }
}
