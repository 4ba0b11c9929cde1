using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CloudService.Tests.Infrastructure;

/// <summary>Keeps what an app instance logged at warning level and above, for tests that assert on it.</summary>
public sealed class LogRecorder : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> entries = new();

    public sealed record Entry(LogLevel Level, string Category, string Message, Exception? Exception)
    {
        public override string ToString() => $"{Level} {Category}: {Message} {Exception?.GetType().Name}";
    }

    public IReadOnlyList<Entry> Entries => [.. entries];

    public IReadOnlyList<Entry> Errors => [.. entries.Where(e => e.Level >= LogLevel.Error)];

    /// <summary>Waits until a warning or error whose message satisfies <paramref name="match"/> was logged.</summary>
    public async Task WaitForAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!entries.Any(e => match(e.Message)))
        {
            Assert.True(DateTime.UtcNow < deadline, "Not logged in time. Logged:\n" + string.Join("\n", entries));
            await Task.Delay(50);
        }
    }

    public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Recorder(LogRecorder owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.entries.Enqueue(new Entry(logLevel, category, formatter(state, exception), exception));
            }
        }
    }
}
