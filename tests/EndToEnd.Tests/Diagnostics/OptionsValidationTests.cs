using CloudService.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace CloudService.Tests.Diagnostics;

/// <summary>Issue 14: a bad setting of any module stops the start with a message naming it.</summary>
[Trait("Category", "Integration")]
public sealed class OptionsValidationTests : IAsyncLifetime
{
    private readonly TestEnvironment environment = new();

    public Task InitializeAsync() => environment.InitializeAsync();

    public Task DisposeAsync() => environment.DisposeAsync();

    [Theory]
    [InlineData("CloudService:Plugins:ReconcileInterval", "00:00:00")]
    [InlineData("CloudService:Plugins:Limits:MaxEntries", "0")]
    [InlineData("CloudService:Preview:RenderConcurrency", "0")]
    [InlineData("CloudService:Storage:MaxUploadBytes", "-1")]
    public async Task The_app_refuses_to_start_with_an_out_of_range_setting_and_names_it(string setting, string value)
    {
        await using var app = new AppInstance(environment, settings: new Dictionary<string, string?> { [setting] = value });

        var error = Assert.IsType<OptionsValidationException>(Unwrap(Record.Exception(() => app.Services)));
        Assert.Contains(setting, error.Message);
    }

    private static Exception? Unwrap(Exception? e) => e is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerException) : e;
}
