using System.Net;
using System.Net.Sockets;

namespace CloudService.Tests.Infrastructure;

/// <summary>
/// A loopback TCP proxy between one app instance and RabbitMQ that a test can cut and restore, or
/// slow down: a broker outage (or a slow broker) for that instance alone, while other tests keep
/// using the real broker.
/// </summary>
public sealed class CuttableTcpProxy : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly string targetHost;
    private readonly int targetPort;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<TcpClient> open = [];
    private volatile bool cut;

    public CuttableTcpProxy(string targetHost, int targetPort)
    {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        listener.Start();
        _ = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>Drops every connection and refuses new ones until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        cut = true;
        lock (open)
        {
            foreach (var client in open)
            {
                client.Dispose();
            }

            open.Clear();
        }
    }

    public void Restore() => cut = false;

    /// <summary>Holds back every chunk the broker sends (replies, publish confirms) this long.</summary>
    public TimeSpan BrokerLatency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref latencyTicks));
        set => Interlocked.Exchange(ref latencyTicks, value.Ticks);
    }

    private long latencyTicks;

    /// <summary>
    /// Slows the broker's replies by a second, runs <paramref name="publishAndSeeItArrive"/> (which
    /// returns once a subscriber has the message) and stops <paramref name="app"/> while that
    /// publish's confirm is still on its way back.
    /// </summary>
    public async Task StopWhilePublishConfirmIsDueAsync(AppInstance app, Func<Task> publishAndSeeItArrive)
    {
        var latency = TimeSpan.FromSeconds(1);
        BrokerLatency = latency;
        await publishAndSeeItArrive();
        var stopping = app.DisposeAsync().AsTask();
        await Task.Delay(latency + TimeSpan.FromMilliseconds(500));
        BrokerLatency = TimeSpan.Zero;
        await stopping;
    }

    private async Task AcceptLoopAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await listener.AcceptTcpClientAsync(stopping.Token);
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }

            if (cut)
            {
                inbound.Dispose();
                continue;
            }

            _ = PipeAsync(inbound);
        }
    }

    private async Task PipeAsync(TcpClient inbound)
    {
        var outbound = new TcpClient();
        try
        {
            await outbound.ConnectAsync(targetHost, targetPort, stopping.Token);
            lock (open)
            {
                open.Add(inbound);
                open.Add(outbound);
            }

            var a = inbound.GetStream().CopyToAsync(outbound.GetStream(), stopping.Token);
            var b = CopyDelayedAsync(outbound.GetStream(), inbound.GetStream());
            await Task.WhenAny(a, b);
        }
        catch (Exception)
        {
            // A cut connection ends here, as it would when the broker goes away.
        }
        finally
        {
            inbound.Dispose();
            outbound.Dispose();
        }
    }

    private async Task CopyDelayedAsync(Stream from, Stream to)
    {
        var buffer = new byte[81920];
        int read;
        while ((read = await from.ReadAsync(buffer, stopping.Token)) > 0)
        {
            if (BrokerLatency > TimeSpan.Zero)
            {
                await Task.Delay(BrokerLatency, stopping.Token);
            }

            await to.WriteAsync(buffer.AsMemory(0, read), stopping.Token);
        }
    }

    public ValueTask DisposeAsync()
    {
        stopping.Cancel();
        listener.Stop();
        Cut();
        stopping.Dispose();
        return ValueTask.CompletedTask;
    }
}
