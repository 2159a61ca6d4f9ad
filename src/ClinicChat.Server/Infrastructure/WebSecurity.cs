using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;

namespace ClinicChat.Infrastructure;

public sealed class CorsSettings
{
    public const string Section = "Cors";

    /// <summary>Browser origins allowed to call the API and open the hub. Empty: same-origin only.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    public bool IsAllowed(string origin) => AllowedOrigins.Contains(origin.TrimEnd('/'), StringComparer.OrdinalIgnoreCase);
}

public sealed class LimitsOptions
{
    public const string Section = "Limits";

    [Range(1024, 16 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 256 * 1024;

    [Range(1024, 1024 * 1024)]
    public long MaxHubMessageBytes { get; set; } = 32 * 1024;

    [Range(1, 100_000)]
    public int LoginAttemptsPerMinute { get; set; } = 30;

    [Range(1, 1000)]
    public int SendsPerSecond { get; set; } = 10;

    [Range(1, 10_000)]
    public int SendBurst { get; set; } = 20;

    [Range(1, 1_000_000)]
    public int MaxHubConnections { get; set; } = 19_000;

    /// <summary>
    /// Open hub connections of one account. The web client opens one per tab, so a person with a few tabs on a few
    /// devices stays far below 20; without it one account (or one stolen token) could take every slot of the global cap.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxHubConnectionsPerUser { get; set; } = 20;

    /// <summary>
    /// Open hub connections from one client address. A clinic's staff and waiting room behind one NAT, or patients
    /// sharing a carrier's NAT address, are a few hundred at most; 2,000 leaves room for that and still keeps one
    /// host with many accounts from filling the global cap (about a tenth of it).
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxHubConnectionsPerAddress { get; set; } = 2_000;

    /// <summary>
    /// How long a hub connection may be silent before the server pings it. The official SignalR clients give up on a
    /// server they have not heard from for 30 s (their default server timeout), and SignalR's rule is a keep-alive of
    /// at most half of that: above 15, unmodified clients drop idle connections that are perfectly healthy. Every
    /// idle connection is pinged this often, so it also sets most of the idle CPU cost.
    /// </summary>
    [Range(5, 15)]
    public int HubKeepAliveSeconds { get; set; } = 15;

    /// <summary>
    /// How long the server waits to hear from a client (its pings included) before closing the connection, which is
    /// also how long a vanished client still shows as online. At least twice the client's ping interval: the web
    /// client pings every 30 s.
    /// </summary>
    [Range(60, 600)]
    public int HubClientTimeoutSeconds { get; set; } = 60;

    /// <summary>
    /// How far behind one hub connection may fall: events waiting for it beyond what its pipe holds (64 KB). A
    /// client that stops reading is closed once this much is waiting, and catches up with Sync when it reconnects;
    /// nobody else's send waits for it. Events are shared between the connections they wait for, so this bounds
    /// how long a slow client is carried, not a copy per connection.
    /// </summary>
    [Range(16 * 1024, 64 * 1024 * 1024)]
    public long HubOutboundQueueBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// The kernel send buffer (SO_SNDBUF) of each hub WebSocket; Linux reserves twice this. Left to autotuning a
    /// socket whose client stopped reading grows to the system maximum (tcp_wmem, 4 MB by default): 500 such
    /// connections held 1.43 GB of kernel memory. Chat events are small, so 64 KB costs nothing; 0 leaves the
    /// kernel's autotuning.
    /// </summary>
    [Range(0, 16 * 1024 * 1024)]
    public int HubSocketSendBufferBytes { get; set; } = 64 * 1024;
}

public static class WebSecurityExtensions
{
    public static WebApplicationBuilder AddWebSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CorsSettings>().Configure<IConfiguration>((o, configuration) =>
        {
            // The binder ignores a plain value for an array, so Cors__AllowedOrigins=https://a,https://b is read by
            // hand; the indexed form (Cors__AllowedOrigins__0=...) works too.
            var section = configuration.GetSection(CorsSettings.Section).GetSection(nameof(CorsSettings.AllowedOrigins));
            o.AllowedOrigins = [.. section.GetChildren().Select(c => c.Value).Prepend(section.Value)
                .SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Select(v => v.TrimEnd('/'))
                .Distinct(StringComparer.OrdinalIgnoreCase)];
        });
        builder.Services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddCors();
        // A year, the common recommendation; no includeSubDomains or preload: the clinic's host may share a parent
        // domain with sites this server knows nothing about.
        builder.Services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));
        builder.Services.AddSingleton<IConfigureOptions<CorsOptions>, ConfigureCorsFromSettings>();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = context.Configuration.GetValue<long?>($"{LimitsOptions.Section}:MaxRequestBodyBytes") ?? 256 * 1024;
        });
        return builder;
    }

    /// <summary>
    /// HSTS goes only on answers to HTTPS requests (and never for localhost): behind a TLS-terminating proxy the
    /// request arrives as http, so either the proxy sets the header or Proxy:TrustedProxies lets its X-Forwarded-Proto
    /// make the request https here. Left out in Development, where a browser would remember it for localhost ports.
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        if (!app.ApplicationServices.GetRequiredService<IWebHostEnvironment>().IsDevelopment())
        {
            app.UseHsts();
        }

        return app.UseBrowserPolicyHeaders();
    }

    // Not async: an awaiting middleware would stay on the stack (and in memory) of every open hub connection.
    // connect-src 'self' covers ws: and wss: to the page's own host in CSP Level 3 browsers (Chromium since 71,
    // Firefox, Safari since 16), which is all the web client needs: it opens the hub on its own origin.
    private static IApplicationBuilder UseBrowserPolicyHeaders(this IApplicationBuilder app) => app.Use(next => context =>
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers.ContentSecurityPolicy =
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
        return next(context);
    });

    private sealed class ConfigureCorsFromSettings(IOptions<CorsSettings> settings) : IConfigureOptions<CorsOptions>
    {
        public void Configure(CorsOptions options) => options.AddDefaultPolicy(policy => policy
            .WithOrigins(settings.Value.AllowedOrigins)
            .AllowAnyHeader()
            .AllowAnyMethod()
            .AllowCredentials());
    }
}
