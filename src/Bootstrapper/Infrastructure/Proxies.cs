using System.Net;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.HttpOverrides;

namespace CloudService.Bootstrapper.Infrastructure;

/// <summary>
/// Behind a reverse proxy the client's address and scheme come from X-Forwarded-For/-Proto, trusted
/// only from the proxies listed in CloudService:ForwardedHeaders:KnownProxies (loopback by default).
/// X-Forwarded-Host is never taken: the host names the app answers to are AllowedHosts.
/// A request for another host is refused with problem details like any other bad request: the host's
/// own filter (which runs before everything and answers an HTML page) is replaced by the same filter
/// placed after the error pages (<see cref="UseHostFilteringWithProblemDetails"/>).
/// </summary>
internal static class Proxies
{
    public static IServiceCollection AddProxySupport(this IServiceCollection services, IConfiguration configuration)
    {
        var proxies = configuration.GetSection("CloudService:ForwardedHeaders:KnownProxies").Get<string[]>() ?? [];
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.ForwardLimit = 1;
            foreach (var proxy in proxies)
            {
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            }
        });
        services.Configure<HostFilteringOptions>(o => o.IncludeFailureMessage = false);
        foreach (var filter in services.Where(d => d.ServiceType == typeof(IStartupFilter) && d.ImplementationType?.Name == "HostFilteringStartupFilter").ToList())
        {
            services.Remove(filter);
        }

        return services;
    }

    /// <summary>After UseStatusCodePages: the empty 400 of a foreign Host becomes problem details there.</summary>
    public static IApplicationBuilder UseHostFilteringWithProblemDetails(this IApplicationBuilder app) => app.UseHostFiltering();
}
