using System.Diagnostics;
using System.Text;

namespace CloudService.Tests.Plugins.DeveloperExperience;

/// <summary>The output of one <c>dotnet</c> command.</summary>
public sealed record CliResult(string Command, int ExitCode, string Output)
{
    public override string ToString() => $"$ dotnet {Command}\n(exit {ExitCode})\n{Output}";
}

/// <summary>
/// Runs the <c>dotnet</c> CLI as a plugin author would, in a clean environment: no MSBuild variables
/// inherited from the test run, no MSBuild node reuse and no compiler server (a process left behind
/// would hold the output pipes open), and NuGet packages in <paramref name="nugetPackages"/>.
/// </summary>
public sealed class DotnetCli(string nugetPackages)
{
    private static readonly string Executable =
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    public async Task<CliResult> RunAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE"] = "1";
        start.Environment["NUGET_PACKAGES"] = nugetPackages;

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = new StringBuilder();
        var stdout = PumpAsync(process.StandardOutput, output);
        var stderr = PumpAsync(process.StandardError, output);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish within 5 minutes:\n{output}");
        }

        await Task.WhenAll(stdout, stderr);
        return new CliResult(string.Join(' ', arguments), process.ExitCode, output.ToString());
    }

    /// <summary>Runs the command and fails the test, showing its output, unless it succeeds.</summary>
    public async Task<CliResult> SucceedAsync(string workingDirectory, params string[] arguments)
    {
        var result = await RunAsync(workingDirectory, arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder output)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}
