namespace CloudService.Modules.Plugins.Lifecycle;

internal static class Concurrency
{
    /// <summary>
    /// A lost optimistic-concurrency race, told by the exception's type: JasperFx's
    /// ConcurrencyException (an expected-version mismatch, EventStreamUnexpectedMaxEventIdException
    /// among others), a collision of two new streams with one key, or a document updated meanwhile.
    /// Marten may wrap them, so the inner exceptions count too.
    /// </summary>
    public static bool IsConflict(Exception e) =>
        e is JasperFx.ConcurrencyException
            or JasperFx.Events.DcbConcurrencyException
            or JasperFx.Events.ExistingStreamIdCollisionException
            or Marten.Exceptions.ExistingStreamIdCollisionException
            or Marten.Exceptions.ConcurrentUpdateException
        || (e.InnerException is { } inner && IsConflict(inner));
}
