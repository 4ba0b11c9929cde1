using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace CloudService.Bootstrapper.Infrastructure;

/// <summary>
/// Behind a reverse proxy the client's address and scheme come from X-Forwarded-For/-Proto, trusted
/// only from the proxies listed in CloudService:ForwardedHeaders:KnownProxies (loopback by default).
/// X-Forwarded-Host is never taken: the host names the app answers to are AllowedHosts.
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
        return services;
    }
}
