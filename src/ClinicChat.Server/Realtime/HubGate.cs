using ClinicChat.Accounts;
using ClinicChat.Infrastructure;
using Microsoft.Extensions.Options;

namespace ClinicChat.Realtime;

/// <summary>
/// In front of the hub: a browser's Origin must be allowed (the same origin or Cors:AllowedOrigins), because
/// WebSockets are not covered by CORS; and beyond Limits:MaxHubConnections new connections get 503 instead of
/// the process running out of file descriptors or memory. The connect request is then admitted (authenticated,
/// session checked, authorized) by <see cref="HubConnectAdmission"/>; this method's frame is the only one of the
/// application's that stays on an open connection's stack.
/// </summary>
public sealed class HubGate(IOptions<CorsSettings> cors, IOptions<LimitsOptions> limits, HubConnectAdmission admission)
{
    private int _active;

    public int ActiveConnections => Volatile.Read(ref _active);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (request.Headers.Origin is { Count: > 0 } origins && origins.ToString() is var origin && !IsAllowedOrigin(request, origin))
        {
            await RefuseAsync(context, new Failure("hub.origin_not_allowed", FailureKind.Forbidden, "This origin may not open the chat hub.", Title: "Origin not allowed"));
            return;
        }

        var max = limits.Value.MaxHubConnections;
        if (request.Path.StartsWithSegments($"{RealtimeSetup.HubPath}/negotiate"))
        {
            if (ActiveConnections >= max)
            {
                await RefuseFullAsync(context);
                return;
            }

            await next(context);
            return;
        }

        // The connection request lives as long as the WebSocket (or SSE stream), so counting in-flight requests
        // counts connections; the increment-then-check makes the cap exact under concurrent connects.
        if (Interlocked.Increment(ref _active) > max)
        {
            Interlocked.Decrement(ref _active);
            await RefuseFullAsync(context);
            return;
        }

        try
        {
            if (!RealtimeSetup.IsHubConnect(context) || await admission.AdmitAsync(context))
            {
                await next(context);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    private bool IsAllowedOrigin(HttpRequest request, string origin) =>
        cors.Value.IsAllowed(origin)
        || string.Equals(origin.TrimEnd('/'), $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);

    private static Task RefuseFullAsync(HttpContext context) =>
        RefuseAsync(context, new Failure("hub.full", FailureKind.Unavailable, "The chat hub is at its connection limit; try again shortly.",
            Title: "Too many connections", RetryAfter: TimeSpan.FromSeconds(5)));

    private static Task RefuseAsync(HttpContext context, Failure failure) =>
        context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(context, failure);
}
