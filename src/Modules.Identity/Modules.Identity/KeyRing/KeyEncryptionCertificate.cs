using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CloudService.Modules.Identity.KeyRing;

/// <summary>
/// The certificate that encrypts the data-protection key ring: a PKCS#12 file outside the database,
/// readable by the service's user only (0600), created on the first start. Every instance of one
/// installation needs the same file (copy it, like the database password).
/// </summary>
internal static class KeyEncryptionCertificate
{
    /// <summary>Loads the certificate; creates it first when the file does not exist (created is true then).</summary>
    public static X509Certificate2 LoadOrCreate(string path, out bool created)
    {
        created = false;
        path = Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            var directory = Path.GetDirectoryName(path)!;
            Directory.CreateDirectory(directory);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            using var rsa = RSA.Create(3072);
            var request = new CertificateRequest("CN=CloudService key encryption", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(100));
            var staging = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}");
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var file = new FileStream(staging, fileOptions))
            {
                file.Write(certificate.Export(X509ContentType.Pkcs12));
                file.Flush(flushToDisk: true);
            }

            try
            {
                // Another instance sharing the folder may have won the race: then its certificate is the one.
                File.Move(staging, path, overwrite: false);
                created = true;
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(staging);
            }
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, password: null, X509KeyStorageFlags.EphemeralKeySet);
    }
}
