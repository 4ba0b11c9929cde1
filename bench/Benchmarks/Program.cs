using System.Globalization;
using CloudService.Benchmarks;
using CloudService.Benchmarks.Live;
using CloudService.Benchmarks.Micro;

// ./bench.sh runs one command per step; each appends its figures to $BENCH_RESULTS, and "report" writes the table.
switch (args)
{
    case ["micro"]:
        MicroRunner.Run();
        return 0;
    case ["live", .. var parts]:
        await LiveRunner.RunAsync(parts);
        return 0;
    case ["static-server", var root, var url]:
        await StaticServer.RunAsync(root, url);
        return 0;
    case ["slow-package", var basePackage, var output]:
        Console.WriteLine(CloudService.Benchmarks.Corpus.PluginPackages.Build(CloudService.Benchmarks.Corpus.PluginPackages.Slow, basePackage, output));
        return 0;
    case ["report", var results, var output]:
        return Report.Write(results, output);
    case ["probe", var what, .. var rest]:
        Probe.Run(what, rest.Length > 1 ? int.Parse(rest[1], CultureInfo.InvariantCulture) : 200, rest.FirstOrDefault());
        return 0;
    default:
        Console.Error.WriteLine("usage: CloudService.Benchmarks micro | live [misses single cycles hit] | static-server <root> <url> | slow-package <base.zip> <out.zip> | report <results.tsv> <out.md> | probe sanitise|validate <package.zip> [count]");
        return 2;
}
