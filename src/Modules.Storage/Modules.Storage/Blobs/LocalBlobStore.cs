namespace CloudService.Modules.Storage.Blobs;

/// <summary>
/// Blobs as files under <c>&lt;root&gt;/ab/cd/abcd…</c>. Uploads are staged in <c>&lt;root&gt;/.incoming</c>, on the
/// same file system, so storing one is a single atomic rename: a reader never sees half a blob.
/// </summary>
internal sealed class LocalBlobStore : IBlobStore
{
    private readonly string root;

    public LocalBlobStore(StorageOptions options)
    {
        root = options.BlobRoot;
        StagingDirectory = Path.Combine(root, ".incoming");
    }

    public string StagingDirectory { get; }

    public Task<bool> PutAsync(string sha256, string stagedPath, CancellationToken ct)
    {
        var path = PathFor(sha256);
        if (File.Exists(path))
        {
            File.Delete(stagedPath);
            return Task.FromResult(false);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            File.Move(stagedPath, path, overwrite: false);
            return Task.FromResult(true);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another instance sharing this root stored the same content a moment ago.
            File.Delete(stagedPath);
            return Task.FromResult(false);
        }
    }

    public Task<Stream?> OpenReadAsync(string sha256, CancellationToken ct)
    {
        try
        {
            Stream stream = new FileStream(PathFor(sha256), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous);
            return Task.FromResult<Stream?>(stream);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public Task<bool> ExistsAsync(string sha256, CancellationToken ct) => Task.FromResult(File.Exists(PathFor(sha256)));

    public Task DeleteAsync(string sha256, CancellationToken ct)
    {
        File.Delete(PathFor(sha256));
        return Task.CompletedTask;
    }

    internal string PathFor(string sha256) =>
        Path.Combine(root, ContentHash.Require(sha256)[..2], sha256[2..4], sha256);
}
