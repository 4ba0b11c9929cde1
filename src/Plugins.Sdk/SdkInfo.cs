using System.Reflection;

namespace CloudService.Plugins.Sdk;

/// <summary>Facts about the SDK the host runs with.</summary>
public static class SdkInfo
{
    /// <summary>The SDK's SemVer version; a manifest's <c>sdkVersion</c> range must include it.</summary>
    public static string Version { get; } =
        typeof(SdkInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(SdkInfo).Assembly.GetName().Version!.ToString(3);

    /// <summary>The SDK's assembly name. A plugin package must not ship its own copy.</summary>
    public static string AssemblyName { get; } = typeof(SdkInfo).Assembly.GetName().Name!;
}
