using System.Globalization;
using System.Text;

namespace CloudService.Benchmarks.Corpus;

/// <summary>
/// Deterministic Markdown documents that look like real ones (a handbook: headings, prose with
/// emphasis, code and links, nested lists, task lists, aligned tables, fenced code, quotes and
/// footnotes), so the app and the in-process reference render exactly the same text.
/// </summary>
internal static class MarkdownCorpus
{
    private static readonly string[] Words =
    [
        "cloud", "service", "file", "preview", "plugin", "storage", "request", "cache", "render", "module", "event",
        "stream", "version", "package", "upload", "instance", "cluster", "latency", "queue", "handler", "document",
        "table", "owner", "admin", "content", "hash", "limit", "budget", "context", "runtime", "the", "a", "of", "and",
        "to", "in", "is", "for", "with", "on", "that", "it", "as", "be", "by", "this", "are", "from", "when", "once",
    ];

    /// <summary>About <paramref name="bytes"/> of Markdown; <paramref name="variant"/> makes the content (and its hash) unique.</summary>
    public static string Document(int bytes, int variant = 0)
    {
        var random = new Random(20261125);
        var text = new StringBuilder(bytes + 4096);
        text.Append(CultureInfo.InvariantCulture, $"# CloudService handbook (revision {variant})\n\n");
        var section = 0;
        var footnotes = new List<string>();
        while (text.Length < bytes)
        {
            section++;
            text.Append(CultureInfo.InvariantCulture, $"## {section}. {Title(random)}\n\n");
            for (var p = 0; p < 3; p++)
            {
                text.Append(Paragraph(random, section, footnotes)).Append("\n\n");
            }

            switch (section % 5)
            {
                case 0:
                    Table(random, text);
                    break;
                case 1:
                    List(random, text);
                    break;
                case 2:
                    Code(random, text);
                    break;
                case 3:
                    text.Append("> ").Append(Sentence(random)).Append("\n>\n> > ").Append(Sentence(random)).Append("\n\n");
                    TaskList(random, text);
                    break;
                default:
                    text.Append(CultureInfo.InvariantCulture, $"### {section}.1 {Title(random)}\n\n").Append(Paragraph(random, section, footnotes)).Append("\n\n---\n\n");
                    break;
            }
        }

        foreach (var footnote in footnotes)
        {
            text.Append(footnote).Append('\n');
        }

        return text.ToString();
    }

    private static string Title(Random random) =>
        CultureInfo.InvariantCulture.TextInfo.ToTitleCase(string.Join(' ', Enumerable.Range(0, random.Next(2, 5)).Select(_ => Word(random))));

    private static string Word(Random random) => Words[random.Next(Words.Length)];

    private static string Sentence(Random random)
    {
        var words = Enumerable.Range(0, random.Next(8, 20)).Select(_ => Word(random)).ToArray();
        words[0] = char.ToUpperInvariant(words[0][0]) + words[0][1..];
        return string.Join(' ', words) + ".";
    }

    private static string Paragraph(Random random, int section, List<string> footnotes)
    {
        var sentences = new List<string>();
        for (var i = 0; i < random.Next(3, 6); i++)
        {
            var sentence = Sentence(random);
            var words = sentence.Split(' ');
            var at = random.Next(1, words.Length - 1);
            words[at] = (random.Next(6)) switch
            {
                0 => $"*{words[at]}*",
                1 => $"**{words[at]}**",
                2 => $"`{words[at]}()`",
                3 => $"[{words[at]}](https://example.com/docs/{section}/{words[at]}?ref=handbook#part-{i})",
                4 => $"~~{words[at]}~~",
                _ => $"https://example.org/{words[at]}",
            };
            if (i == 1 && random.Next(4) == 0)
            {
                var id = $"n{footnotes.Count + 1}";
                words[^1] += $"[^{id}]";
                footnotes.Add($"[^{id}]: {Sentence(random)}");
            }

            sentences.Add(string.Join(' ', words));
        }

        return string.Join(' ', sentences);
    }

    private static void Table(Random random, StringBuilder text)
    {
        text.Append("| Setting | Default | Meaning |\n|:--------|:-------:|--------:|\n");
        for (var row = 0; row < random.Next(6, 12); row++)
        {
            text.Append(CultureInfo.InvariantCulture, $"| `{Word(random)}.{Word(random)}` | {random.Next(1, 1000)} | {Sentence(random)} |\n");
        }

        text.Append('\n');
    }

    private static void List(Random random, StringBuilder text)
    {
        for (var item = 0; item < random.Next(4, 8); item++)
        {
            text.Append("- ").Append(Sentence(random)).Append('\n');
            if (item % 3 == 0)
            {
                text.Append("  1. ").Append(Sentence(random)).Append("\n  2. ").Append(Sentence(random)).Append('\n');
            }
        }

        text.Append('\n');
    }

    private static void TaskList(Random random, StringBuilder text)
    {
        for (var item = 0; item < random.Next(3, 6); item++)
        {
            text.Append(random.Next(2) == 0 ? "- [x] " : "- [ ] ").Append(Sentence(random)).Append('\n');
        }

        text.Append('\n');
    }

    private static void Code(Random random, StringBuilder text)
    {
        text.Append("```csharp\n");
        for (var line = 0; line < random.Next(6, 14); line++)
        {
            text.Append(CultureInfo.InvariantCulture, $"var {Word(random)}{line} = await {Word(random)}.{Title(random).Replace(" ", "", StringComparison.Ordinal)}Async(\"<{Word(random)}>\", {random.Next(100)});\n");
        }

        text.Append("```\n\n");
    }
}
