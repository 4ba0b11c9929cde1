using System.Text.RegularExpressions;

namespace CloudService.BuildingBlocks.Errors;

/// <summary>
/// Makes an exception's message fit for users, audit logs and events: no path of the server, no
/// connection string, no stack trace (API.md "Outages and retries"). The server's own log keeps the
/// whole exception.
/// </summary>
public static partial class SafeText
{
    /// <summary><paramref name="message"/> without server paths (each becomes "…"), connection-string pairs and stack frames.</summary>
    public static string Scrub(string? message)
    {
        if (string.IsNullOrEmpty(message))
        {
            return "";
        }

        var firstLine = message.Split('\n', 2)[0].TrimEnd('\r');
        var withoutSecrets = ConnectionStringPair().Replace(firstLine, "$1=…");
        return AbsolutePath().Replace(withoutSecrets, "…").Trim();
    }

    /// <summary>A user-facing description of an exception: its kind when it is a known outage, its scrubbed message otherwise.</summary>
    public static string Describe(Exception exception) =>
        Outage.Of(exception) switch
        {
            OutageKind.DiskFull => "the server's disk is full",
            OutageKind.Database => "the database did not answer",
            _ => Scrub(exception.Message),
        };

    // An absolute Unix path of two or more segments, or a Windows drive path, inside quotes or free text.
    [GeneratedRegex("""(?:[A-Za-z]:\\|/)(?:[^\s'"/\\:;,]+[/\\])+[^\s'"/\\:;,]*""")]
    private static partial Regex AbsolutePath();

    [GeneratedRegex("""(?i)\b(password|pwd|user id|username|uid|host|server|data source)\s*=\s*[^;'"\s]*""")]
    private static partial Regex ConnectionStringPair();
}
