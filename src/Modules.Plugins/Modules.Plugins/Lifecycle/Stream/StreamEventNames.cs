using Marten;

namespace CloudService.Modules.Plugins.Lifecycle;

/// <summary>
/// Stream events renamed so they no longer share a name with the public contracts keep the type
/// names they were stored under: streams written before the rename load as the new classes, and
/// instances still running the old code read what the new code writes.
/// </summary>
internal static class StreamEventNames
{
    public const string Activated = "plugin_activated";
    public const string Deactivated = "plugin_deactivated";
    public const string Uninstalled = "plugin_uninstalled";

    public static void Map(StoreOptions marten)
    {
        marten.Events.MapEventType<ActivationRecorded>(Activated);
        marten.Events.MapEventType<DeactivationRecorded>(Deactivated);
        marten.Events.MapEventType<UninstallRecorded>(Uninstalled);
        marten.Events.MapEventType<SettingsChanged>("settings_changed");
    }
}
