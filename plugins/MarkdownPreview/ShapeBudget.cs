namespace CloudService.MarkdownPreview;

/// <summary>
/// Structural budgets checked in one linear pass before Markdig parses anything (issue 23): the shapes
/// that make Markdig (or the host's sanitiser after it) spend seconds — floods of links or reference
/// definitions, long runs of link openers such as <c>[a](</c>, huge tables, deep quote or bracket
/// nesting — are recognised by counting, so they cost microseconds instead of the time budget.
/// Ordinary documents stay far below every limit; what breaks one is shown as plain text.
/// </summary>
internal static class ShapeBudget
{
    /// <summary>Link and image openers (<c>[</c>) in a document.</summary>
    public const int MaxBrackets = 20_000;

    /// <summary>Inline link or image destinations (<c>](</c>): unclosed ones make Markdig's inline parse quadratic.</summary>
    public const int MaxInlineLinks = 5_000;

    /// <summary>Lines that define a link reference (<c>[label]: url</c>).</summary>
    public const int MaxReferenceDefinitions = 5_000;

    /// <summary>Table cell separators (<c>|</c>).</summary>
    public const int MaxTableCells = 50_000;

    /// <summary>Quote markers at the start of a line, and brackets in a row.</summary>
    public const int MaxNesting = 32;

    /// <summary>Why <paramref name="markdown"/> is over a budget ("it has …"), or null when it is within all of them.</summary>
    public static string? Check(string markdown)
    {
        int brackets = 0, inlineLinks = 0, definitions = 0, cells = 0, bracketRun = 0;
        var lineStart = true;
        for (var i = 0; i < markdown.Length; i++)
        {
            var c = markdown[i];
            if (lineStart)
            {
                lineStart = false;
                var (quotes, next) = QuoteDepth(markdown, i);
                if (quotes > MaxNesting)
                {
                    return "it is nested too deeply";
                }

                if (IsReferenceDefinition(markdown, next) && ++definitions > MaxReferenceDefinitions)
                {
                    return $"it defines more than {MaxReferenceDefinitions:N0} link references";
                }
            }

            switch (c)
            {
                case '\n':
                    lineStart = true;
                    bracketRun = 0;
                    break;
                case '[':
                    if (++brackets > MaxBrackets)
                    {
                        return $"it has more than {MaxBrackets:N0} links";
                    }

                    if (++bracketRun > MaxNesting)
                    {
                        return "it is nested too deeply";
                    }

                    continue;
                case ']' when i + 1 < markdown.Length && markdown[i + 1] == '(':
                    if (++inlineLinks > MaxInlineLinks)
                    {
                        return $"it has more than {MaxInlineLinks:N0} inline links";
                    }

                    break;
                case '|':
                    if (++cells > MaxTableCells)
                    {
                        return $"its tables have more than {MaxTableCells:N0} cells";
                    }

                    break;
            }

            bracketRun = 0;
        }

        return null;
    }

    /// <summary>How many '&gt;' open the line (spaces between them allowed), and where its content starts.</summary>
    private static (int Depth, int Next) QuoteDepth(string text, int i)
    {
        var depth = 0;
        while (i < text.Length && text[i] is '>' or ' ' or '\t')
        {
            depth += text[i] == '>' ? 1 : 0;
            i++;
        }

        return (depth, i);
    }

    /// <summary>"[label]:" at <paramref name="i"/> (a line's content).</summary>
    private static bool IsReferenceDefinition(string text, int i)
    {
        if (i >= text.Length || text[i] != '[')
        {
            return false;
        }

        var close = text.IndexOf(']', i + 1);
        return close > i + 1 && close + 1 < text.Length && text[close + 1] == ':' && text.AsSpan(i + 1, close - i - 1).IndexOf('\n') < 0;
    }
}
