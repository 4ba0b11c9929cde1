namespace CloudService.Modules.Plugins.Lifecycle;

internal static class Concurrency
{
    /// <summary>
    /// Marten reports a lost optimistic-concurrency race with JasperFx's ConcurrencyException (an
    /// expected-version mismatch) or, for two new streams, a unique violation on the stream key.
    /// </summary>
    public static bool IsConflict(Exception e) =>
        e is JasperFx.ConcurrencyException
        || e.GetType().Name.Contains("Concurrency", StringComparison.Ordinal)
        || e is Marten.Exceptions.ExistingStreamIdCollisionException
        || (e.InnerException is { } inner && IsConflict(inner));
}
