using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using CloudService.BuildingBlocks.Security;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CloudService.BuildingBlocks.Web;

/// <summary>
/// The shell every server-rendered page shares: navigation, stylesheet, CSRF token for the page's
/// scripts, and a Content-Security-Policy whose script nonce is fresh per response.
/// </summary>
public static class Page
{
    public static string Encode(string? text) => HtmlEncoder.Default.Encode(text ?? string.Empty);

    /// <summary>Renders a page. <paramref name="body"/> is trusted HTML built with <see cref="Encode"/>;
    /// <paramref name="script"/> is inline JavaScript that receives the nonce.</summary>
    public static IResult Render(HttpContext http, string title, string body, string? script = null, int statusCode = 200)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
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

        http.Response.Headers.ContentSecurityPolicy =
            $"default-src 'self'; script-src 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Referrer-Policy"] = "same-origin";

        var html = $"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <meta name="csrf-token" content="{Encode(tokens.RequestToken)}">
              <title>{Encode(title)} · CloudService</title>
              <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
              <link rel="stylesheet" href="/static/app.css">
            </head>
            <body>
              <header><a class="brand" href="/">☁ CloudService</a>{nav}</header>
              <main>
                {body}
              </main>
              <script nonce="{nonce}" src="/static/app.js"></script>
              {(script is null ? "" : $"<script nonce=\"{nonce}\">{script}</script>")}
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: statusCode);
    }
}
