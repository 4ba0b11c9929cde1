using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using CloudService.BuildingBlocks.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CloudService.BuildingBlocks.Web;

/// <summary>
/// The shell every server-rendered page shares (Web/PageShell.html): navigation, stylesheet, CSRF
/// token for the page's script, and a Content-Security-Policy that allows scripts from this origin
/// only — pages have no inline script; each links its own from its module's static assets.
/// </summary>
public static class Page
{
    private static readonly Regex Placeholder = new(@"\{\{([a-z-]+)\}\}", RegexOptions.CultureInvariant);
    private static readonly Regex PageScriptBlock = new("<!--page-script-->(.*?)<!--/page-script-->", RegexOptions.CultureInvariant | RegexOptions.Singleline);
    private static readonly Asset Stylesheet = new(typeof(Page).Assembly, "app.css");
    private static readonly Asset ShellScript = new(typeof(Page).Assembly, "app.js");
    private static readonly Asset Favicon = new(typeof(Page).Assembly, "favicon.svg");
    private static readonly (string Template, string ScriptTag) Shell = LoadShell();

    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

    public static string Encode(string? text) => HtmlEncoder.Default.Encode(text ?? string.Empty);

    /// <summary>Renders a page. <paramref name="body"/> is trusted HTML built with <see cref="Encode"/>;
    /// <paramref name="script"/> is the page's script, a static asset of its module.</summary>
    public static IResult Render(HttpContext http, string title, string body, Asset? script = null, int statusCode = 200) =>
        Render(http, title, body, script is null ? [] : [script], statusCode);

    /// <summary>Renders a page with several scripts of its module, run in this order.</summary>
    public static IResult Render(HttpContext http, string title, string body, IReadOnlyList<Asset> scripts, int statusCode = 200)
    {
        var tokens = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http);
        var user = http.User;
        var nav = user.Identity?.IsAuthenticated == true
            ? $"""
              <nav>
                <a href="/files">My files</a>
                {(user.IsAdmin() ? """<a href="/admin/plugins">Plugins</a><a href="/admin/users">Users</a><a href="/hangfire">Jobs</a>""" : "")}
                <span class="spacer"></span>
                <span class="who">{Encode(user.UserName())}</span>
                <form method="post" action="/logout" class="inline">
                  <input type="hidden" name="{Encode(tokens.FormFieldName)}" value="{Encode(tokens.RequestToken)}">
                  <button class="link">Sign out</button>
                </form>
              </nav>
              """
            : "<nav><span class=\"spacer\"></span></nav>";

        http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Referrer-Policy"] = "same-origin";

        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["csrf"] = Encode(tokens.RequestToken),
            ["title"] = Encode(title),
            ["favicon"] = Encode(http.Url(Favicon)),
            ["stylesheet"] = Encode(http.Url(Stylesheet)),
            ["nav"] = nav,
            ["body"] = body,
            ["shell-script"] = Encode(http.Url(ShellScript)),
            ["page-scripts"] = string.Concat(scripts.Select(script => Shell.ScriptTag.Replace("{{page-script}}", Encode(http.Url(script)), StringComparison.Ordinal))),
        };

        // One pass over the template: text a value brings in is never read as a placeholder.
        var html = Placeholder.Replace(Shell.Template, m => values[m.Groups[1].Value]);
        return Results.Content(html, "text/html; charset=utf-8", statusCode: statusCode);
    }

    private static (string, string) LoadShell()
    {
        using var stream = typeof(Page).Assembly.GetManifestResourceStream("CloudService.BuildingBlocks.Web.PageShell.html")!;
        var template = new StreamReader(stream).ReadToEnd();
        // The page-script block becomes one placeholder, filled with one tag per script.
        return (PageScriptBlock.Replace(template, "{{page-scripts}}"), PageScriptBlock.Match(template).Groups[1].Value);
    }
}
