using System.Diagnostics;
using CloudService.Tests.Infrastructure;

namespace CloudService.Tests.Migrations;

/// <summary>Runs the app's database commands as an admin would: <c>dotnet CloudService.Bootstrapper.dll migrate</c>.</summary>
internal static class MigrateCommand
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit code {ExitCode}\n{Output}\n{Error}";
    }

    public static async Task<Result> RunAsync(TestEnvironment environment, params string[] arguments)
    {
        // The test's output folder holds the Bootstrapper with its runtimeconfig and appsettings.json.
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CloudService.Bootstrapper.dll"));
        foreach (var argument in arguments.DefaultIfEmpty("migrate"))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Postgres"] = environment.PostgresConnectionString;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await output, await error);
    }
}
