using System.Xml.Linq;
using Marten;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;

namespace CloudService.Bootstrapper.Infrastructure;

internal sealed class DataProtectionKey
{
    public string Id { get; set; } = "";
    public string Xml { get; set; } = "";
}

/// <summary>Stores the data-protection key ring in PostgreSQL so all instances share it.</summary>
internal sealed class DataProtectionKeysInMarten(IServiceProvider services) : IConfigureOptions<KeyManagementOptions>
{
    public void Configure(KeyManagementOptions options) =>
        options.XmlRepository = new Repository(services);

    private sealed class Repository(IServiceProvider services) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements()
        {
            using var session = services.GetRequiredService<IDocumentStore>().QuerySession();
            // The data-protection API is synchronous and Marten 9 only reads asynchronously; this runs rarely (key ring refresh).
            return session.Query<DataProtectionKey>().ToListAsync().GetAwaiter().GetResult().Select(k => XElement.Parse(k.Xml)).ToList();
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            using var session = services.GetRequiredService<IDocumentStore>().LightweightSession();
            session.Store(new DataProtectionKey { Id = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
            session.SaveChangesAsync().GetAwaiter().GetResult();
        }
    }
}
