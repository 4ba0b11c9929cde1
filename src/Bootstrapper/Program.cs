using CloudService.Bootstrapper.Identity;
using CloudService.Bootstrapper.Infrastructure;
using CloudService.Modules.Plugins;
using CloudService.Modules.Preview;
using CloudService.Modules.Storage;

var builder = WebApplication.CreateBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:8080");
}

builder.AddLogging();
builder.Services
    .AddPersistence(builder.Configuration)
    .AddMessaging(builder.Configuration)
    .AddBackgroundJobs(builder.Configuration)
    .AddIdentityAndAuth()
    .AddHealth(builder.Configuration)
    .AddObservability(builder.Configuration)
    .AddOpenApi()
    .AddProblemDetails()
    .AddOutageAnswers();

// The modules, listed explicitly: no discovery by reflection. After AddMessaging on purpose: hosted
// services stop in reverse order, so the bus outlives the modules' background publishers.
builder.Services
    .AddStorageModule(builder.Configuration)
    .AddPluginsModule(builder.Configuration)
    .AddPreviewModule(builder.Configuration);

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.UseCsrfProtection();

app.MapHealth();
app.MapMetrics();
app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
app.MapBackgroundJobsDashboard();
app.MapDiagnostics();
app.MapIdentity();
app.MapStorageModule();
app.MapPluginsModule();
app.MapPreviewModule();
app.MapGet("/", () => Results.Redirect("/files")).AllowAnonymous().ExcludeFromDescription();

await app.RunAsync();

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
