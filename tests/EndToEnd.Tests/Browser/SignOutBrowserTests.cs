using CloudService.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CloudService.Tests.Browser;

/// <summary>
/// In Chromium: the session cookie copied out of a signed-in browser works in another browser until
/// the user clicks "Sign out", and not after it (the server forgets the session, not just the cookie).
/// </summary>
[Trait("Category", "Browser")]
public sealed class SignOutBrowserTests(BrowserAppFixture fixture) : IClassFixture<BrowserAppFixture>
{
    [Fact]
    public async Task A_session_cookie_copied_into_another_browser_dies_when_its_user_signs_out()
    {
        var userName = await fixture.CreateUserAsync("signout");
        await using var victim = await fixture.OpenSessionAsync("sign-out-victim");
        await victim.SignInAsync(userName, BrowserAppFixture.UserPassword);
        var stolen = (await victim.Context.CookiesAsync()).Where(c => c.Name == "cloudservice").ToList();
        Assert.Single(stolen);

        await using var thief = await fixture.OpenSessionAsync("sign-out-thief");
        await thief.Context.AddCookiesAsync(stolen.Select(c => new Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path }));
        await thief.Page.GotoAsync("/files");
        await Expect(thief.Page.Locator(".who")).ToHaveTextAsync(userName);

        await victim.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await victim.Page.WaitForFunctionAsync("() => location.pathname === '/login' && document.readyState === 'complete'");

        await thief.Page.GotoAsync("/files");
        await thief.Page.WaitForFunctionAsync("() => location.pathname === '/login'");
        await Expect(thief.Page.Locator(".who")).ToHaveCountAsync(0);
        await thief.ScreenshotAsync("copied-cookie-after-sign-out");
        victim.AssertNothingUnexpected();
    }
}
