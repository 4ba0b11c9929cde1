using CloudService.BuildingBlocks.Security;

namespace CloudService.Bootstrapper.Infrastructure;

internal sealed record MemoryView(long ManagedBytes, long GcHeapBytes, long WorkingSetBytes, int Gen2Collections);

/// <summary>
/// The process's memory as seen from outside (./bench.sh checks that plugin cycles give memory back):
/// <c>managedBytes</c> is <see cref="GC.GetTotalMemory(bool)"/> with a forced full collection, so it
/// counts live objects only. Admin only, and costly (blocking full GCs): not for polling.
/// </summary>
internal static class Diagnostics
{
    public static void MapDiagnostics(this WebApplication app) =>
        app.MapGet("/api/admin/diagnostics/memory", () =>
            {
                var managed = GC.GetTotalMemory(forceFullCollection: true);
                return TypedResults.Ok(new MemoryView(managed, GC.GetGCMemoryInfo().HeapSizeBytes, Environment.WorkingSet, GC.CollectionCount(2)));
            })
            .RequireAuthorization(Roles.AdminPolicy)
            .WithTags("Diagnostics")
            .WithSummary("Managed memory after a forced full garbage collection, GC heap size, working set.");
}
