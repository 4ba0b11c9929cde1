namespace CloudService.CsvPreview;

/// <summary>
/// Reads <paramref name="prefix"/> (bytes already taken from the file to sniff it), then the rest of
/// <paramref name="inner"/>, and ends after <paramref name="limit"/> bytes in all, noting whether the
/// file went on. Read-only and forward-only, like the stream the host hands a provider.
/// </summary>
internal sealed class BoundedStream(ReadOnlyMemory<byte> prefix, Stream inner, long limit) : Stream
{
    private int prefixOffset;
    private long position;
    private bool probed;

    /// <summary>The limit was reached while the file had more bytes.</summary>
    public bool HitLimit { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var allowed = Allowed(buffer.Length);
        if (allowed == 0 && buffer.Length > 0)
        {
            if (NeedsProbe())
            {
                Span<byte> probe = stackalloc byte[1];
                HitLimit = inner.Read(probe) > 0;
            }

            return 0;
        }

        if (allowed == 0)
        {
            return 0;
        }

        if (prefixOffset < prefix.Length)
        {
            return FromPrefix(buffer[..allowed]);
        }

        var read = inner.Read(buffer[..allowed]);
        position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var allowed = Allowed(buffer.Length);
        if (allowed == 0 && buffer.Length > 0)
        {
            if (NeedsProbe())
            {
                HitLimit = await inner.ReadAsync(new byte[1], cancellationToken) > 0;
            }

            return 0;
        }

        if (allowed == 0)
        {
            return 0;
        }

        if (prefixOffset < prefix.Length)
        {
            return FromPrefix(buffer.Span[..allowed]);
        }

        var read = await inner.ReadAsync(buffer[..allowed], cancellationToken);
        position += read;
        return read;
    }

    private int FromPrefix(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, prefix.Length - prefixOffset);
        prefix.Span.Slice(prefixOffset, n).CopyTo(buffer);
        prefixOffset += n;
        position += n;
        return n;
    }

    /// <summary>How many bytes this read may return.</summary>
    private int Allowed(int requested) => (int)Math.Min(requested, Math.Max(0, limit - position));

    /// <summary>At the limit: whether one byte must be read to tell if the file goes on (once).</summary>
    private bool NeedsProbe()
    {
        if (probed)
        {
            return false;
        }

        probed = true;
        if (prefixOffset < prefix.Length)
        {
            HitLimit = true;
            return false;
        }

        return true;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
