using System.Data.Common;

namespace CloudService.BuildingBlocks.Errors;

public enum OutageKind
{
    None,

    /// <summary>PostgreSQL does not answer (down, restarting, unreachable, out of connections or disk).</summary>
    Database,

    /// <summary>A local disk the server writes to is full.</summary>
    DiskFull,
}

/// <summary>
/// Tells an outage (something that goes away by itself or by an admin's hand, after which the same
/// request succeeds) from a fault of the request or the code, by walking the exception's causes.
/// </summary>
public static class Outage
{
    private const int Enospc = 28;
    private const int Edquot = 122;
    private const int ErrorDiskFull = 0x70;
    private const int ErrorHandleDiskFull = 0x27;

    public static OutageKind Of(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AggregateException { InnerExceptions.Count: > 0 } aggregate:
                    return aggregate.InnerExceptions.Select(Of).FirstOrDefault(k => k != OutageKind.None);
                case IOException io when IsDiskFull(io):
                    return OutageKind.DiskFull;
                case DbException db when IsDatabaseOutage(db):
                    return OutageKind.Database;
            }
        }

        return OutageKind.None;
    }

    public static bool IsDiskFull(IOException e)
    {
        var code = e.HResult & 0xFFFF;
        return OperatingSystem.IsWindows() ? code is ErrorDiskFull or ErrorHandleDiskFull : code is Enospc or Edquot;
    }

    /// <summary>
    /// A database exception without a SQL state is the client's (connection refused, broken, timed out,
    /// pool exhausted). With one, only the classes that mean "the server cannot work now" count:
    /// 08 connection exception, 53 insufficient resources (disk full, out of connections), 57P0x
    /// shut down or starting up, 58 system error.
    /// </summary>
    private static bool IsDatabaseOutage(DbException e) =>
        e.SqlState is not { Length: 5 } state
        || state.StartsWith("08", StringComparison.Ordinal)
        || state.StartsWith("53", StringComparison.Ordinal)
        || state.StartsWith("57P0", StringComparison.Ordinal)
        || state.StartsWith("58", StringComparison.Ordinal);
}
