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
}

public static class WebSecurityExtensions
{
    public static WebApplicationBuilder AddWebSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CorsSettings>().BindConfiguration(CorsSettings.Section)
            // Cors__AllowedOrigins=a,b is one scalar value, which the binder does not put into an array.
            .Configure<IConfiguration>((o, configuration) =>
            {
                if (configuration[$"{CorsSettings.Section}:AllowedOrigins"] is { Length: > 0 } scalar)
                {
                    o.AllowedOrigins = [.. o.AllowedOrigins, scalar];
                }
            })
            .PostConfigure(o => o.AllowedOrigins = [.. o.AllowedOrigins
                .SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Select(v => v.TrimEnd('/'))]);
        builder.Services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddCors();
        builder.Services.AddSingleton<IConfigureOptions<CorsOptions>, ConfigureCorsFromSettings>();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = context.Configuration.GetValue<long?>($"{LimitsOptions.Section}:MaxRequestBodyBytes") ?? 256 * 1024;
        });
        return builder;
    }

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers.ContentSecurityPolicy =
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
        await next(context);
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
