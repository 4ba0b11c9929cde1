using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace CloudService.Modules.Preview.Serving;

/// <summary>
/// The small document the file page's sandboxed frame shows: the sanitised fragment with the
/// provider's sanitised stylesheet, or a friendly message. Its headers forbid everything a preview
/// does not need, so even opened on its own (outside the frame) it runs nothing and loads nothing
/// (images from the web only where the admin allows them).
/// </summary>
internal static class FrameDocument
{
    /// <summary>
    /// No script (sandbox without allow-scripts, and no script-src), no plugins, no forms, no base,
    /// no fonts, frames or connections; inline styles for the stylesheet; no images at all unless
    /// the admin allows remote ones (<c>AllowRemoteImages</c>): a remote image tells its author who
    /// opened the file and when (issue 23). The sandbox also gives the document an opaque origin: it
    /// cannot read the app's cookies or pages.
    /// </summary>
    public static string ContentSecurityPolicy(bool allowRemoteImages) =>
        $"default-src 'none'; style-src 'unsafe-inline'; img-src {(allowRemoteImages ? "https: http:" : "'none'")}; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox";

    private const string BaseStyle = """
        :root { color-scheme: light; }
        body { margin: 0; padding: 1rem 1.25rem; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #fff; overflow-wrap: break-word; }
        img { max-width: 100%; }
        pre { overflow-x: auto; padding: .75rem; background: #f6f8fa; border-radius: 6px; }
        pre.text-preview { white-space: pre-wrap; background: none; padding: 0; font: 13px/1.45 ui-monospace, "SFMono-Regular", Menlo, monospace; }
        table { border-collapse: collapse; } th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; }
        blockquote { margin-left: 0; padding-left: 1rem; border-left: 4px solid #d0d7de; color: #59636e; }
        .truncated, .message { color: #59636e; font-style: italic; }
        .message { padding: 2rem 0; text-align: center; }
        """;

    /// <summary>Headers every preview response carries (API fragment and frame document alike).</summary>
    public static void ApplySecurityHeaders(HttpResponse response, PreviewOptions options)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy(options.AllowRemoteImages);
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XFrameOptions = "SAMEORIGIN";
    }

    public static string Preview(byte[] fragment, string? stylesheet)
    {
        var html = new StringBuilder(fragment.Length + 1024);
        Open(html);
        if (stylesheet is not null)
        {
            // Sanitised: it contains no "<", so it cannot end this element.
            html.Append("<style>").Append(stylesheet).Append("</style>");
        }

        html.Append("</head><body class=\"preview\">").Append(Encoding.UTF8.GetString(fragment)).Append("</body></html>");
        return html.ToString();
    }

    /// <summary>The start of a document whose preview follows later in the same response.</summary>
    public static string PendingStart()
    {
        var html = new StringBuilder();
        Open(html);
        html.Append("</head><body class=\"preview\"><p class=\"message\" id=\"pending\">Generating preview…</p>");
        return html.ToString();
    }

    /// <summary>The rest of a <see cref="PendingStart"/> document: the message goes, the preview comes.</summary>
    public static string PendingEnd(byte[] fragment, string? stylesheet) =>
        $"<style>#pending {{ display: none; }}{stylesheet}</style>{Encoding.UTF8.GetString(fragment)}</body></html>";

    /// <summary>The rest of a <see cref="PendingStart"/> document when there is no preview to show.</summary>
    public static string PendingEnd(string message) =>
        $"<style>#pending {{ display: none; }}</style><p class=\"message\">{WebUtility.HtmlEncode(message)}</p></body></html>";

    public static string Message(string text)
    {
        var html = new StringBuilder();
        Open(html);
        html.Append("</head><body><p class=\"message\">").Append(WebUtility.HtmlEncode(text)).Append("</p></body></html>");
        return html.ToString();
    }

    private static void Open(StringBuilder html) =>
        html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\"><title>Preview</title><style>")
            .Append(BaseStyle)
            .Append("</style>");
}
