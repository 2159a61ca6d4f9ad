using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using ClinicChat.Accounts;
using ClinicChat.Infrastructure;
using Microsoft.Extensions.Options;

namespace ClinicChat.Realtime;

/// <summary>
/// In front of the hub: a browser's Origin must be allowed (the same origin or Cors:AllowedOrigins), because
/// WebSockets are not covered by CORS; beyond Limits:MaxHubConnections new connections get 503 instead of the
/// process running out of file descriptors or memory; and no one account (Limits:MaxHubConnectionsPerUser) or
/// client address (Limits:MaxHubConnectionsPerAddress) may hold more than its share, so that one of them cannot
/// take every slot (429). The connect request is then admitted (authenticated, session checked, authorized) by
/// <see cref="HubConnectAdmission"/>; this method's frame is the only one of the application's that stays on an
/// open connection's stack.
/// </summary>
public sealed class HubGate(IOptions<CorsSettings> cors, IOptions<LimitsOptions> limits, HubConnectAdmission admission)
{
    private static readonly IPAddress UnknownAddress = IPAddress.None;

    private readonly ConnectionCounter<IPAddress> _perAddress = new();
    private readonly ConnectionCounter<Guid> _perUser = new();
    private int _active;

    public int ActiveConnections => Volatile.Read(ref _active);

    public int ConnectionsOf(Guid userId) => _perUser.CountFor(userId);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (request.Headers.Origin is { Count: > 0 } origins && origins.ToString() is var origin && !IsAllowedOrigin(request, origin))
        {
            await RefuseAsync(context, new Failure("hub.origin_not_allowed", FailureKind.Forbidden, "This origin may not open the chat hub.", Title: "Origin not allowed"));
            return;
        }

        var settings = limits.Value;
        // Keyed on the connection's peer address; a reverse proxy in front must pass the client's address through.
        var address = context.Connection.RemoteIpAddress ?? UnknownAddress;
        if (request.Path.StartsWithSegments($"{RealtimeSetup.HubPath}/negotiate"))
        {
            if (ActiveConnections >= settings.MaxHubConnections)
            {
                await RefuseFullAsync(context);
            }
            else if (_perAddress.CountFor(address) >= settings.MaxHubConnectionsPerAddress)
            {
                await RefuseShareAsync(context, nameof(LimitsOptions.MaxHubConnectionsPerAddress), "this address", settings.MaxHubConnectionsPerAddress);
            }
            else
            {
                await next(context);
            }

            return;
        }

        // The connection request lives as long as the WebSocket (or SSE stream), so counting in-flight requests
        // counts connections; the increment-then-check makes the cap exact under concurrent connects.
        if (Interlocked.Increment(ref _active) > settings.MaxHubConnections)
        {
            Interlocked.Decrement(ref _active);
            await RefuseFullAsync(context);
            return;
        }

        Guid? user = null;
        var addressCounted = false;
        try
        {
            if (!_perAddress.TryAcquire(address, settings.MaxHubConnectionsPerAddress))
            {
                await RefuseShareAsync(context, nameof(LimitsOptions.MaxHubConnectionsPerAddress), "this address", settings.MaxHubConnectionsPerAddress);
                return;
            }

            addressCounted = true;
            if (!RealtimeSetup.IsHubConnect(context) || !await admission.AdmitAsync(context))
            {
                if (!RealtimeSetup.IsHubConnect(context))
                {
                    await next(context);
                }

                return;
            }

            // Admitted: the principal is the account's.
            var userId = context.User.UserId();
            if (!_perUser.TryAcquire(userId, settings.MaxHubConnectionsPerUser))
            {
                await RefuseShareAsync(context, nameof(LimitsOptions.MaxHubConnectionsPerUser), "this account", settings.MaxHubConnectionsPerUser);
                return;
            }

            user = userId;
            LimitSendBuffer(context, settings.HubSocketSendBufferBytes);
            await next(context);
        }
        finally
        {
            if (user is { } counted)
            {
                _perUser.Release(counted);
            }

            if (addressCounted)
            {
                _perAddress.Release(address);
            }

            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>
    /// Fixes the socket's send buffer before the WebSocket starts, so a client that stops reading holds at most
    /// this much kernel memory (see <see cref="LimitsOptions.HubSocketSendBufferBytes"/>). Only hub sockets: HTTP
    /// downloads keep the kernel's autotuning, which they need on long links.
    /// </summary>
    private static void LimitSendBuffer(HttpContext context, int bytes)
    {
        if (bytes > 0 && context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            socket.SendBufferSize = bytes;
        }
    }

    private bool IsAllowedOrigin(HttpRequest request, string origin) =>
        cors.Value.IsAllowed(origin)
        || string.Equals(origin.TrimEnd('/'), $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);

    private static Task RefuseFullAsync(HttpContext context) =>
        RefuseAsync(context, new Failure("hub.full", FailureKind.Unavailable, "The chat hub is at its connection limit; try again shortly.",
            Title: "Too many connections", RetryAfter: TimeSpan.FromSeconds(5),
            Extensions: new Dictionary<string, object?> { ["limit"] = nameof(LimitsOptions.MaxHubConnections) }));

    /// <summary>429, not 503: the server has room, but this client already holds its share; it must close one first.</summary>
    private static Task RefuseShareAsync(HttpContext context, string limit, string whose, int max) =>
        RefuseAsync(context, new Failure("hub.too_many_connections", FailureKind.RateLimited,
            $"{char.ToUpperInvariant(whose[0])}{whose[1..]} already has {max} open chat connections (Limits:{limit}); close one (another tab or device) and try again.",
            Title: "Too many connections", RetryAfter: TimeSpan.FromSeconds(30),
            Extensions: new Dictionary<string, object?> { ["limit"] = limit }));

    private static Task RefuseAsync(HttpContext context, Failure failure) =>
        context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(context, failure);
}
