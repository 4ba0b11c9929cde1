using CloudService.BuildingBlocks.Security;
using CloudService.BuildingBlocks.Web;
using CloudService.Modules.Plugins.Lifecycle;
using CloudService.Modules.Plugins.Packages;
using Hangfire;
using Marten;
using Microsoft.AspNetCore.Http;

namespace CloudService.Modules.Plugins.Packages;

internal sealed record UploadAccepted(string PluginId, string Version, string StatusUrl);

/// <summary>
/// Stores an uploaded package and answers at once; the validation job does the slow part. Only what
/// can be told without unpacking — not a ZIP, no readable manifest — is refused here (400), and
/// such refusals are kept on record too.
/// </summary>
internal sealed class PackageUploads(IDocumentStore store, IBackgroundJobClient jobs, PluginsOptions options, TimeProvider clock)
{
    public async Task<IResult> UploadAsync(HttpContext http, CancellationToken ct)
    {
        var by = http.User.UserName();
        var (file, error) = await StreamedUpload.ReceiveAsync(http.Request, "package", options.Limits.MaxPackageBytes, Path.Combine(options.Root, ".incoming"), ct);
        if (file is null)
        {
            return error!;
        }

        try
        {
            ManifestPeek peek;
            await using (var package = File.OpenRead(file.TempPath))
            {
                peek = new PackageValidator(options.Limits).PeekManifest(package);
            }

            if (peek.Manifest is not { } manifest || peek.Errors.Count > 0)
            {
                var errors = peek.Errors.Count > 0 ? peek.Errors : ["The package has no readable plugin.json."];
                await RecordRejectionAsync(file.FileName, errors, by, ct);
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a plugin package",
                    detail: string.Join(" ", errors), extensions: new Dictionary<string, object?> { ["errors"] = errors });
            }

            var statusUrl = $"/api/admin/plugins/{manifest.Id}";
            await using var session = store.LightweightSession();
            var stream = await session.Events.FetchForWriting<PluginDetails>(manifest.Id, ct);
            // A failed version uploaded again with the same bytes is validated again: its failure may have
            // been the server's (a full disk), not the package's. Any other known version is answered as before.
            if (stream.Aggregate is { Uninstalled: false } existing && existing.Versions.TryGetValue(manifest.Version, out var known)
                && !(known.Status == PluginStatus.Failed && known.Sha256 == file.Sha256))
            {
                return known.Sha256 == file.Sha256
                    ? Results.Accepted(statusUrl, new UploadAccepted(manifest.Id, manifest.Version, statusUrl))
                    : Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Version exists",
                        detail: $"{manifest.Id} {manifest.Version} was uploaded before with different content. Give the new package a higher version.");
            }

            // One transaction for the package and its event: a loser of a concurrent upload stores nothing.
            await session.BeginTransactionAsync(ct);
            await PackageStore.SaveAsync(session.Connection!, manifest.Id, manifest.Version, file.Sha256, file.TempPath, ct);
            stream.AppendOne(new PackageUploaded(manifest.Version, by, clock.GetUtcNow(), file.Sha256, file.Size,
                Path.GetFileName(file.FileName), string.IsNullOrWhiteSpace(manifest.Name) ? manifest.Id : manifest.Name));
            session.Store(new PluginProgress { Id = PluginProgress.IdFor(manifest.Id, manifest.Version), Stage = "received", UpdatedAt = clock.GetUtcNow() });

            try
            {
                await session.SaveChangesAsync(ct);
            }
            catch (Exception e) when (Concurrency.IsConflict(e))
            {
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Concurrent change",
                    detail: $"Another change to {manifest.Id} happened at the same time; try again.");
            }

            jobs.Enqueue<PackageValidationJob>(job => job.RunAsync(manifest.Id, manifest.Version, by, null, CancellationToken.None));
            return Results.Accepted(statusUrl, new UploadAccepted(manifest.Id, manifest.Version, statusUrl));
        }
        finally
        {
            File.Delete(file.TempPath);
        }
    }

    private async Task RecordRejectionAsync(string fileName, IReadOnlyList<string> errors, string by, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        session.Store(new RejectedUpload { Id = Guid.NewGuid(), FileName = Path.GetFileName(fileName), Errors = [.. errors], By = by, At = clock.GetUtcNow() });
        await session.SaveChangesAsync(ct);
    }
}
