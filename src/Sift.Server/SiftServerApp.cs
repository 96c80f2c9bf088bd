using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sift.Server.Hosting;

namespace Sift.Server;

/// <summary>
/// Builds the Sift server: REST API, token authentication, the live loop and the UI, on 127.0.0.1. Typical use:
/// <code>
/// var app = SiftServerApp.Build(new SiftServerOptions { Port = 0 }, services => services.AddSiftSqlite("sift.db"));
/// await app.StartAsync();
/// Console.WriteLine(SiftServerApp.GetUrl(app));
/// await app.WaitForShutdownAsync();
/// </code>
/// The store's schema is migrated when the app starts, before it listens. The server knows the store only by its roles
/// (<see cref="Sift.Projects.ISiftStore"/>); the caller picks the backend (<c>AddSiftSqlite</c>, <c>AddSiftPostgres</c>).
/// </summary>
public static class SiftServerApp
{
    /// <summary>Builds the app (not started).</summary>
    /// <param name="options">The server's options.</param>
    /// <param name="addStore">Registers the store (every store role), e.g. <c>services => services.AddSiftSqlite(path)</c>.</param>
    /// <exception cref="ConfigurationException">The options are invalid.</exception>
    public static WebApplication Build(SiftServerOptions options, Action<IServiceCollection> addStore)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(addStore);
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = options.WebRootPath ?? Path.Combine(AppContext.BaseDirectory, "wwwroot"),
            EnvironmentName = Environments.Production,
            ApplicationName = typeof(SiftServerApp).Assembly.GetName().Name,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port);
            kestrel.AddServerHeader = false;

            // JSON bodies are small; the import endpoint raises this limit for itself.
            kestrel.Limits.MaxRequestBodySize = SiftServerServices.MaxJsonBodyBytes;
        });
        addStore(builder.Services);
        builder.Services.AddSiftServer(options);

        var app = builder.Build();
        app.UseSiftServer();
        app.MapSiftApi();
        app.MapSiftUi();
        return app;
    }

    /// <summary>The URL the started <paramref name="app"/> listens on, such as <c>http://127.0.0.1:5170</c>.</summary>
    /// <exception cref="InvalidOperationException">The app has not been started.</exception>
    public static Uri GetUrl(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var address = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("The server has not been started.");
        return new Uri(address);
    }
}
