using ClinicChat.Accounts;
using ClinicChat.Infrastructure;

namespace ClinicChat.Realtime;

public static class RealtimeSetup
{
    public static WebApplicationBuilder AddRealtime(this WebApplicationBuilder builder)
    {
        var maxMessageBytes = builder.Configuration.GetValue<long?>($"{LimitsOptions.Section}:MaxHubMessageBytes") ?? 32 * 1024;
        builder.Services.AddSignalR(options =>
        {
            options.MaximumReceiveMessageSize = maxMessageBytes;
            options.EnableDetailedErrors = false;
        });
        builder.Services.AddSingleton<PresenceTracker>();
        builder.Services.AddSingleton<IPresence>(services => services.GetRequiredService<PresenceTracker>());
        return builder;
    }

    public static WebApplication MapRealtime(this WebApplication app)
    {
        app.MapHub<ChatHub>(AccountsSetup.HubPath);
        return app;
    }
}
