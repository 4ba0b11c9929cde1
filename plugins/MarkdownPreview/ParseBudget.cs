using System.Diagnostics;
using Markdig;
using Markdig.Helpers;
using Markdig.Parsers;
using Markdig.Renderers;

namespace CloudService.MarkdownPreview;

/// <summary>The time budget and cancellation of one parse, carried in Markdig's parser context.</summary>
internal sealed class ParseBudget(TimeSpan budget, CancellationToken cancellationToken) : MarkdownParserContext
{
    private readonly long deadline = Stopwatch.GetTimestamp() + (long)(budget.TotalSeconds * Stopwatch.Frequency);
    private int calls;

    public void Check()
    {
        // Reading the clock on every call would cost more than it protects: pathological input makes
        // each call slow, ordinary input makes them many and fast.
        if ((++calls & 15) != 0)
        {
            return;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (Stopwatch.GetTimestamp() > deadline)
        {
            throw new ParseBudgetExceededException();
        }
    }
}

internal sealed class ParseBudgetExceededException : Exception;

/// <summary>
/// Puts a parser in front of every other inline parser. It never matches; it only checks the
/// budget. Inline parsing is where Markdig's slow cases live (links and images left open, bare
/// URLs with unbalanced parentheses, long runs of emphasis delimiters), and Markdig itself cannot
/// be cancelled, so this is the one place a runaway parse can be stopped.
/// </summary>
internal sealed class ParseBudgetExtension : IMarkdownExtension
{
    public void Setup(MarkdownPipelineBuilder pipeline)
    {
        var watched = pipeline.InlineParsers.Where(p => p.OpeningCharacters is not null).SelectMany(p => p.OpeningCharacters!).Distinct().ToArray();
        pipeline.InlineParsers.Insert(0, new BudgetCheck { OpeningCharacters = watched });
    }

    public void Setup(MarkdownPipeline pipeline, IMarkdownRenderer renderer)
    {
    }

    private sealed class BudgetCheck : InlineParser
    {
        public override bool Match(InlineProcessor processor, ref StringSlice slice)
        {
            (processor.Context as ParseBudget)?.Check();
            return false;
        }
    }
}
