using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CloudService.BuildingBlocks.Web;

/// <summary>
/// Asks Linux to start writing a file's just-written range to the disk without waiting for it
/// (<c>sync_file_range</c> with <c>SYNC_FILE_RANGE_WRITE</c>): a later flush then finds most of the file
/// on the disk already. Elsewhere, or where the call is refused, it does nothing; the flush still makes
/// the file durable, only later.
/// </summary>
internal static partial class Writeback
{
    private const uint SyncFileRangeWrite = 2;
    private static bool unavailable = !OperatingSystem.IsLinux();

    public static void Start(SafeFileHandle file, long offset, long length)
    {
        if (unavailable)
        {
            return;
        }

        try
        {
            if (SyncFileRange(file, offset, length, SyncFileRangeWrite) != 0 && Marshal.GetLastPInvokeError() is 38 or 22)
            {
                unavailable = true; // ENOSYS or EINVAL: not on this kernel or file system
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            unavailable = true;
        }
    }

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static partial int SyncFileRange(SafeFileHandle fd, long offset, long nbytes, uint flags);
}
