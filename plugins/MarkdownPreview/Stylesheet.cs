namespace CloudService.MarkdownPreview;

/// <summary>
/// Reading styles for the preview frame, as the seed's plugin had them: headings with a rule, code
/// on a tinted background, bordered tables with alternating rows, quotes with a left border, blue
/// links. Element selectors, since the frame holds nothing but the preview. Nothing is loaded
/// (no url(), no @import): the host would drop it.
/// </summary>
internal static class Stylesheet
{
    public const string Css = """
        body { margin: 0; padding: 16px 24px; max-width: 980px; color: #1f2328; background: #fff;
               font: 16px/1.6 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; overflow-wrap: break-word; }
        h1, h2, h3, h4, h5, h6 { margin: 1.5em 0 .6em; font-weight: 600; line-height: 1.25; }
        body > :first-child { margin-top: 0; }
        h1 { font-size: 2em; padding-bottom: .3em; border-bottom: 1px solid #d1d9e0; }
        h2 { font-size: 1.5em; padding-bottom: .3em; border-bottom: 1px solid #d1d9e0; }
        h3 { font-size: 1.25em; }
        h4 { font-size: 1em; }
        h5 { font-size: .875em; }
        h6 { font-size: .85em; color: #59636e; }
        p, ul, ol, dl, blockquote, pre, table { margin: 0 0 1em; }
        ul, ol { padding-left: 2em; }
        li + li { margin-top: .25em; }
        a { color: #0969da; text-decoration: none; }
        a:hover { text-decoration: underline; }
        code, pre { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 85%; }
        code { padding: .2em .4em; border-radius: 6px; background: #eff1f3; }
        pre { padding: 16px; overflow: auto; line-height: 1.45; border-radius: 6px; background: #f6f8fa; }
        pre code { padding: 0; font-size: 100%; background: transparent; }
        blockquote { margin-left: 0; padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; }
        table { display: block; width: max-content; max-width: 100%; overflow: auto; border-collapse: collapse; border-spacing: 0; }
        th, td { padding: 6px 13px; border: 1px solid #d1d9e0; }
        th { font-weight: 600; background: #f6f8fa; }
        tbody tr:nth-child(even) { background: #f6f8fa; }
        hr { height: .25em; margin: 24px 0; padding: 0; border: 0; background: #d1d9e0; }
        img { max-width: 100%; }
        del { color: #59636e; }
        ul.contains-task-list { padding-left: 1.2em; }
        li.task-list-item { list-style: none; }
        .task-list-item-checkbox { display: inline-block; width: 1.2em; }
        .footnotes { margin-top: 2em; font-size: 85%; color: #59636e; }
        .footnotes hr { height: 1px; }
        .preview-note { color: #9a6700; }
        """;
}
