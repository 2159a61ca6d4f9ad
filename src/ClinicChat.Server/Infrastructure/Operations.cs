using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace ClinicChat.Infrastructure;

public static class OperationsExtensions
{
    public static WebApplicationBuilder AddOperations(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<ClinicOptions>().BindConfiguration(ClinicOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ClinicOptions>, ClinicOptionsValidator>();
        // A database host that drops packets would otherwise hold the probe for the whole connect timeout.
        builder.Services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: ["ready"], timeout: TimeSpan.FromSeconds(5));
        builder.Services.AddApiDocumentation();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));

        if (!builder.Environment.IsDevelopment())
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
        }

        // Request-start lines include the query string, which carries the hub's access_token. Off entirely, not at
        // Warning: while this category is enabled at all, hosting gives every request an Activity and a log scope,
        // about 1 KB that each idle hub connection would hold for its whole life (it logs nothing above Information).
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Http.Connections", LogLevel.Warning);

        // No log output includes scopes (the JSON and simple console formatters leave them out unless asked), yet
        // while they are captured Kestrel and SignalR open one per connection, held in the execution context of
        // every open hub connection for its whole life.
        builder.Services.Configure<LoggerFilterOptions>(o => o.CaptureScopes = false);

        // Npgsql logs every command's text at Information: one line per chat message at load, for nothing.
        builder.Logging.AddFilter("Npgsql", LogLevel.Warning);
        // The health check service logs every Unhealthy probe as an Error: a load balancer polling during a database
        // outage would write one per poll. The outage is logged once by DatabaseOutage, and the state is the endpoint's.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.Critical);

        // The host logs its own start-up failure with a full stack trace ("Hosting failed to start"); HostRunner
        // already prints those as one line, and anything it does not recognise still crashes loudly. A crashed
        // background service is still reported: the host logs that at Critical.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        return builder;
    }

    public static WebApplication MapOperations(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapOpenApi("/openapi/{documentName}.json");
        // Only on its own path: as ordinary middleware it would stay on the stack of every hub connection.
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/docs"), docs => docs.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "docs";
            o.SwaggerEndpoint("/openapi/v1.json", "ClinicChat v1");
            o.DocumentTitle = "ClinicChat API";
        }));
        return app;
    }

    private sealed class DatabaseReadyCheck(Migrator migrator, DatabaseOutage outage) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var upToDate = await migrator.IsUpToDateAsync(cancellationToken);
                outage.Reachable();
                return upToDate ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("migrations not applied");
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
            {
                outage.Report(e, "readiness check");
                return HealthCheckResult.Unhealthy("database unreachable");
            }
        }
    }
}
