using System.Xml.Linq;
using Marten;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;

namespace CloudService.Modules.Identity.KeyRing;

internal sealed class DataProtectionKey
{
    public string Id { get; set; } = "";
    public string Xml { get; set; } = "";
}

/// <summary>
/// Stores the data-protection key ring in PostgreSQL so all instances share it, each key encrypted
/// with the certificate outside the database (<see cref="KeyEncryptionCertificate"/>, set in IdentityModule): whoever reads
/// the table learns nothing that signs a cookie or token.
/// </summary>
internal sealed class DataProtectionKeysInMarten(IServiceProvider services, ILogger<DataProtectionKeysInMarten> logger) : IConfigureOptions<KeyManagementOptions>
{
    public void Configure(KeyManagementOptions options) => options.XmlRepository = new Repository(services, logger);

    private sealed class Repository(IServiceProvider services, ILogger logger) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements()
        {
            using var session = services.GetRequiredService<IDocumentStore>().QuerySession();
            // The data-protection API is synchronous and Marten 9 only reads asynchronously; this runs rarely (key ring refresh).
            var elements = session.Query<DataProtectionKey>().ToListAsync().GetAwaiter().GetResult().Select(k => XElement.Parse(k.Xml)).ToList();
            // Keys written before the key ring was encrypted are readable by anyone with the table: not trusted.
            // Without them a new, encrypted key is made; sessions under the old keys end (they lack a stamp anyway).
            var plain = elements.Where(e => e.Name == "key" && !e.Descendants().Any(d => d.Name.LocalName == "encryptedSecret")).ToList();
            if (plain.Count > 0)
            {
                logger.LogWarning("Ignoring {Count} data-protection keys stored unencrypted (from before the key ring was encrypted)", plain.Count);
            }

            return elements.Except(plain).ToList();
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            using var session = services.GetRequiredService<IDocumentStore>().LightweightSession();
            session.Store(new DataProtectionKey { Id = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
            session.SaveChangesAsync().GetAwaiter().GetResult();
        }
    }
}
