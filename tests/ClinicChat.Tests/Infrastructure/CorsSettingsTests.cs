using ClinicChat.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ClinicChat.Tests.Infrastructure;

/// <summary>How operators write Cors__AllowedOrigins: one comma-separated variable, or indexed ones.</summary>
public sealed class CorsSettingsTests
{
    private static CorsSettings Read(params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        foreach (var (key, value) in settings)
        {
            builder.Configuration[key] = value;
        }

        builder.AddWebSecurity();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<CorsSettings>>().Value;
    }

    [Fact]
    public void CommaSeparatedOriginsAreEachAllowed()
    {
        var settings = Read(("Cors:AllowedOrigins", "https://app.clinic.example, http://localhost:5173/"));

        Assert.Equal(["https://app.clinic.example", "http://localhost:5173"], settings.AllowedOrigins);
        Assert.True(settings.IsAllowed("http://localhost:5173"));
        Assert.True(settings.IsAllowed("HTTPS://APP.CLINIC.EXAMPLE"));
        Assert.False(settings.IsAllowed("https://evil.example"));
    }

    [Fact]
    public void IndexedOriginsAreAllowedToo()
    {
        var settings = Read(("Cors:AllowedOrigins:0", "https://a.example"), ("Cors:AllowedOrigins:1", "https://b.example"));

        Assert.Equal(["https://a.example", "https://b.example"], settings.AllowedOrigins);
    }

    [Fact]
    public void NoSettingAllowsNoOrigin()
    {
        Assert.Empty(Read().AllowedOrigins);
    }
}
