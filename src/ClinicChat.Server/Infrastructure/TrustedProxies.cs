using System.Net;
using IPNetwork = System.Net.IPNetwork;
using Microsoft.AspNetCore.HttpOverrides;

namespace ClinicChat.Infrastructure;

/// <summary>
/// Behind a reverse proxy every request comes from the proxy's address, so per-address limits (login, hub
/// connections, webhooks) would see one client. Proxy:TrustedProxies lists the proxies' addresses or
/// networks (comma-separated, e.g. "10.0.0.5,172.16.0.0/12"); X-Forwarded-For and X-Forwarded-Proto are honoured
/// only on requests whose peer is one of them, from the right, hop by hop until the first address not in the list,
/// and ignored from anyone else. Empty (the default): the headers are ignored and the peer is the client.
/// </summary>
public static class TrustedProxies
{
    public const string Setting = "Proxy:TrustedProxies";

    /// <summary>The framework's switch, which trusts the headers from any peer at all; this setting replaces it.</summary>
    private const string FrameworkSwitch = "FORWARDEDHEADERS_ENABLED";

    public static WebApplicationBuilder AddTrustedProxies(this WebApplicationBuilder builder)
    {
        if (string.Equals(builder.Configuration[FrameworkSwitch], "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new StartupException(
                $"ASPNETCORE_{FrameworkSwitch} trusts X-Forwarded-For from every client; unset it and list your proxies in Proxy__TrustedProxies (IPs or CIDR networks, comma-separated).");
        }

        var networks = Parse(builder.Configuration[Setting]);
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Only the listed proxies (not the framework's default of loopback), and through as many of them as the
            // request passed: each hop is checked against the list before the next address is believed.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var network in networks)
            {
                options.KnownIPNetworks.Add(network);
            }

            options.ForwardLimit = null;
        });
        return builder;
    }

    /// <summary>First in the pipeline, so that limits and HSTS see the client's address and scheme.</summary>
    public static IApplicationBuilder UseTrustedProxies(this IApplicationBuilder app) =>
        app.ApplicationServices.GetRequiredService<IConfiguration>()[Setting] is { Length: > 0 } ? app.UseForwardedHeaders() : app;

    public static IReadOnlyList<IPNetwork> Parse(string? setting)
    {
        var networks = new List<IPNetwork>();
        foreach (var entry in (setting ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (entry.Contains('/', StringComparison.Ordinal) && IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
                if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                {
                    // Kestrel reports IPv4 peers on dual-stack sockets as IPv4-mapped IPv6 addresses.
                    networks.Add(new IPNetwork(address.MapToIPv6(), 128));
                }
            }
            else
            {
                throw new StartupException($"Proxy__TrustedProxies: '{entry}' is not an IP address or CIDR network (e.g. 10.0.0.5 or 10.0.0.0/8).");
            }
        }

        return networks;
    }
}
