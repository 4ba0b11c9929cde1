using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace CloudService.Tests.Infrastructure;

/// <summary>
/// One browser context (its own cookies) and its page, recording everything the pages say over the
/// whole session: console messages, uncaught script errors and dialogs from the page and its frames,
/// and pages that open by themselves. <see cref="AssertNothingUnexpected"/> fails on any console
/// error the test did not announce with <see cref="ExpectConsoleError"/>, on any script error and on any dialog.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    /// <summary>Where screenshots go, relative to the repository (git-ignored).</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(RepositoryRoot.Path, "test-output", "browser");

    private readonly ConcurrentQueue<string> console = new();
    private readonly ConcurrentQueue<string> unexpectedErrors = new();
    private readonly ConcurrentQueue<string> scriptErrors = new();
    private readonly ConcurrentQueue<string> dialogs = new();
    private readonly ConcurrentQueue<string> popups = new();
    private readonly List<(string Because, Func<IConsoleMessage, bool> Matches)> expectedErrors = [];

    private BrowserSession(string name, IBrowserContext context, IPage page)
    {
        Name = name;
        Context = context;
        Page = page;
    }

    public string Name { get; }
    public IBrowserContext Context { get; }
    public IPage Page { get; }

    /// <summary>Every console message of every page and frame, as "type: text (location)".</summary>
    public IReadOnlyCollection<string> ConsoleMessages => console;

    /// <summary>Uncaught script errors (<c>pageerror</c>) of the page and its frames.</summary>
    public IReadOnlyCollection<string> ScriptErrors => scriptErrors;

    /// <summary>alert, confirm, prompt and beforeunload dialogs (each dismissed at once).</summary>
    public IReadOnlyCollection<string> Dialogs => dialogs;

    /// <summary>Pages that opened beside <see cref="Page"/> (window.open, target=_blank).</summary>
    public IReadOnlyCollection<string> Popups => popups;

    public static async Task<BrowserSession> OpenAsync(IBrowser browser, Uri baseAddress, string name)
    {
        var context = await browser.NewContextAsync(new() { BaseURL = baseAddress.ToString(), ViewportSize = new() { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        var session = new BrowserSession(name, context, page);
        session.Listen(page);
        context.Page += (_, popup) =>
        {
            if (popup != page)
            {
                session.popups.Enqueue(popup.Url);
                session.Listen(popup);
            }
        };
        return session;
    }

    /// <summary>Console and script errors and dialogs of <paramref name="page"/> — Playwright reports those of its frames on it too.</summary>
    private void Listen(IPage page)
    {
        page.Console += (_, message) =>
        {
            var line = $"{message.Type}: {message.Text} ({message.Location})";
            console.Enqueue(line);
            if (message.Type == "error" && !IsExpected(message))
            {
                unexpectedErrors.Enqueue(line);
            }
        };
        page.PageError += (_, error) => scriptErrors.Enqueue(error);
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Enqueue($"{dialog.Type}: {dialog.Message}");
            await dialog.DismissAsync();
        };
    }

    private bool IsExpected(IConsoleMessage message)
    {
        lock (expectedErrors)
        {
            return expectedErrors.Any(e => e.Matches(message));
        }
    }

    /// <summary>From now on, console errors that <paramref name="matches"/> are part of the test, not a fault.</summary>
    public void ExpectConsoleError(string because, Func<IConsoleMessage, bool> matches)
    {
        lock (expectedErrors)
        {
            expectedErrors.Add((because, matches));
        }
    }

    /// <summary>
    /// From now on, the console error Chromium writes for a response with <paramref name="status"/> from a
    /// URL whose path is <paramref name="path"/> (a refused upload, a forbidden page) is expected.
    /// </summary>
    public void ExpectFailedResponse(int status, string path, string because)
    {
        // Chromium's message for it; Playwright gives its location as "<url>:<line>:<column>".
        var location = new Regex($"^https?://[^/]+{Regex.Escape(path)}(\\?.*)?:\\d+:\\d+$");
        ExpectConsoleError(because, m =>
            m.Text.StartsWith($"Failed to load resource: the server responded with a status of {status} ", StringComparison.Ordinal) &&
            location.IsMatch(m.Location));
    }

    /// <summary>Saves a full-page screenshot as <c>test-output/browser/&lt;name&gt;.png</c>.</summary>
    public async Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        // Playwright's full-page capture of a page taller than the viewport lays the preview frame (an
        // out-of-process frame: sandboxed frames are isolated) out a few pixels wide; with the viewport
        // as tall as the page, the capture is the page as a user sees it.
        var viewport = Page.ViewportSize!;
        var height = await Page.EvaluateAsync<int>("() => Math.ceil(document.documentElement.scrollHeight)");
        if (height > viewport.Height)
        {
            await Page.SetViewportSizeAsync(viewport.Width, height);
        }

        try
        {
            await Page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });
        }
        finally
        {
            if (height > viewport.Height)
            {
                await Page.SetViewportSizeAsync(viewport.Width, viewport.Height);
            }
        }
    }

    /// <summary>Signs in through the /login form and waits for the page it leads to.</summary>
    public async Task SignInAsync(string userName, string password)
    {
        await Page.GotoAsync("/login");
        await Page.GetByLabel("User name").FillAsync(userName);
        await Page.GetByLabel("Password").FillAsync(password);
        var response = await Page.RunAndWaitForResponseAsync(
            () => Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync(),
            r => r.Request.Method == "POST" && new Uri(r.Url).AbsolutePath == "/login");
        if (response.Status != 302)
        {
            Assert.Fail($"Signing in as {userName} answered {response.Status}: {await Page.Locator("main").InnerTextAsync()}");
        }

        // Polled in the page, not WaitForURLAsync: that one waits for the "load" event and, on a busy
        // machine, can subscribe just after the event fired and then wait for ever (seen in CI).
        await Page.WaitForFunctionAsync("() => !location.pathname.startsWith('/login') && document.readyState === 'complete'");
    }

    /// <summary>Fails on unexpected console errors, on script errors, on dialogs and on popups, naming them all.</summary>
    public void AssertNothingUnexpected()
    {
        var problems = unexpectedErrors.Select(e => "console " + e)
            .Concat(scriptErrors.Select(e => "script error: " + e))
            .Concat(dialogs.Select(d => "dialog " + d))
            .Concat(popups.Select(p => "popup: " + p))
            .ToList();
        Assert.True(problems.Count == 0, $"The {Name} session's pages reported:\n" + string.Join("\n", problems));
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
