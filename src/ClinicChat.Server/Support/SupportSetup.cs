using ClinicChat.Accounts;
using ClinicChat.Conversations;
using ClinicChat.Realtime;

namespace ClinicChat.Support;

public static class SupportSetup
{
    public static WebApplicationBuilder AddSupport(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SupportRoomReader>();
        builder.Services.AddSingleton<SupportFanOut>();
        builder.Services.AddSingleton<SupportAssignments>();
        builder.Services.AddSingleton<SupportRooms>();
        builder.Services.AddSingleton<SupportClosing>();
        builder.Services.AddSingleton<SupportStats>();
        builder.Services.AddSingleton<IMessageSentObserver>(services => services.GetRequiredService<SupportFanOut>());
        builder.Services.AddSingleton<IUserDisabledObserver>(services => services.GetRequiredService<SupportAssignments>());
        builder.Services.AddSingleton<IUserCameOnlineObserver>(services => services.GetRequiredService<SupportAssignments>());
        return builder;
    }
}
