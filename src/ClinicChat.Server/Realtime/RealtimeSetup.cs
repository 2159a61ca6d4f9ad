using ClinicChat.Accounts;
using ClinicChat.Conversations;
using ClinicChat.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace ClinicChat.Realtime;

public static class RealtimeSetup
{
    public const string HubPath = "/hubs/chat";

    /// <summary>The hub's connect request (its negotiate is below it): it lives as long as the WebSocket.</summary>
    public static bool IsHubConnect(HttpContext context) => context.Request.Path == HubPath;

    public static WebApplicationBuilder AddRealtime(this WebApplicationBuilder builder)
    {
        var maxMessageBytes = builder.Configuration.GetValue<long?>($"{LimitsOptions.Section}:MaxHubMessageBytes") ?? 32 * 1024;
        builder.Services.AddSignalR(options =>
        {
            options.MaximumReceiveMessageSize = maxMessageBytes;
            options.EnableDetailedErrors = false;
            options.AddFilter<HubErrorFilter>();
            options.AddFilter<HubInputFilter>();
        }).AddJsonProtocol(o => o.PayloadSerializerOptions.AllowDuplicateProperties = false);
        builder.Services.AddOptions<HubOptions>().Configure<IOptions<LimitsOptions>>((hub, limits) =>
        {
            hub.KeepAliveInterval = TimeSpan.FromSeconds(limits.Value.HubKeepAliveSeconds);
            hub.ClientTimeoutInterval = TimeSpan.FromSeconds(limits.Value.HubClientTimeoutSeconds);
        });
        // SignalR's debug logs print invocation arguments, i.e. message bodies; they must never reach the logs.
        builder.Logging.AddFilter("Microsoft.AspNetCore.SignalR", LogLevel.Information);
        // The dispatcher logs every HubException, i.e. every refused call, as an Error with a stack trace; the
        // faults it would report are already logged once by HubErrorFilter.
        builder.Logging.AddFilter("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogLevel.None);
        builder.Services.AddSingleton<HubLifetimeManager<ChatHub>, ChatHubLifetimeManager>();
        builder.Services.AddSingleton<HubErrorFilter>();
        builder.Services.AddSingleton<PresenceTracker>();
        builder.Services.AddSingleton<IPresence>(services => services.GetRequiredService<PresenceTracker>());
        builder.Services.AddSingleton<PresenceNotifier>();
        builder.Services.AddSingleton<TypingTracker>();
        builder.Services.AddSingleton<HubConnectionRegistry>();
        builder.Services.AddSingleton<ChatNotifier>();
        builder.Services.AddSingleton<IChatEvents>(services => services.GetRequiredService<ChatNotifier>());
        builder.Services.AddSingleton<HubConnectAdmission>();
        builder.Services.AddSingleton<HubGate>();
        builder.Services.AddHostedService<SessionSweeper>();
        return builder;
    }

    /// <summary>Origin check and connection cap, before authentication so refused requests cost nothing more.</summary>
    public static IApplicationBuilder UseRealtimeGate(this IApplicationBuilder app)
    {
        var gate = app.ApplicationServices.GetRequiredService<HubGate>();
        return app.UseWhen(
            context => context.Request.Path.StartsWithSegments(HubPath),
            branch => branch.Use(next => context => gate.InvokeAsync(context, next)));
    }

    public static WebApplication MapRealtime(this WebApplication app)
    {
        app.MapHub<ChatHub>(HubPath);
        return app;
    }
}
