using CloudService.BuildingBlocks.Web;
using CloudService.Bootstrapper.Infrastructure;
using CloudService.Bootstrapper.Migrations;
using CloudService.Modules.Identity;
using CloudService.Modules.Plugins;
using CloudService.Modules.Preview;
using CloudService.Modules.Storage;

// `migrate` and `migrations add NAME` run instead of the web host (docs/database-migrations.md).
var command = DatabaseCommand.Parse(args);
var builder = WebApplication.CreateBuilder(command?.HostArgs ?? args);
if (command is not null)
{
    await command.PrepareAsync(builder.Configuration);
}

if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:8080");
}

builder.AddLogging();
builder.Services
    .AddPersistence(builder.Configuration, builder.Environment)
    .AddMessaging(builder.Configuration)
    .AddBackgroundJobs(builder.Configuration)
    .AddHealth(builder.Configuration)
    .AddProxySupport(builder.Configuration)
    .AddObservability(builder.Configuration)
    .AddOpenApi()
    .AddProblemDetails()
    .AddOutageAnswers();

// The modules, listed explicitly: no discovery by reflection. After AddMessaging on purpose: hosted
// services stop in reverse order, so the bus outlives the modules' background publishers.
builder.Services
    .AddIdentityModule(builder.Configuration)
    .AddStorageModule(builder.Configuration)
    .AddPluginsModule(builder.Configuration)
    .AddPreviewModule(builder.Configuration);

var app = builder.Build();
if (command is not null)
{
    await using (app)
    {
        return await command.RunAsync(app.Services);
    }
}

app.UseForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseHostFilteringWithProblemDetails();
app.UseIdentityModule();

app.MapHealth();
app.MapStaticAssetsOfModules();
app.MapMetrics();
app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
app.MapBackgroundJobsDashboard();
app.MapDiagnostics();
app.MapIdentityModule();
app.MapStorageModule();
app.MapPluginsModule();
app.MapPreviewModule();
app.MapGet("/", () => Results.Redirect("/files")).AllowAnonymous().ExcludeFromDescription();

// A schema that is behind stops the start here with a MigrationException naming the command to run.
await app.RunAsync();
return 0;

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
