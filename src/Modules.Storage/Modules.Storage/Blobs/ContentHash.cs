namespace CloudService.Modules.Storage.Blobs;

internal static class ContentHash
{
    /// <summary>True for 64 lower-case hex digits: the only shape a blob name may have.</summary>
    public static bool IsValid(string? value) =>
        value is { Length: 64 } && value.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    /// <summary>Guards every path built from a hash: a caller can never make the store step outside its root.</summary>
    public static string Require(string value) =>
        IsValid(value) ? value : throw new ArgumentException("Not a lower-case hex SHA-256.", nameof(value));
}
