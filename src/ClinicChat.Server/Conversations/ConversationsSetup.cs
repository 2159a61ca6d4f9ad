namespace ClinicChat.Conversations;

public static class ConversationsSetup
{
    public static WebApplicationBuilder AddConversations(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ConversationStore>();
        builder.Services.AddSingleton<MessageLog>();
        builder.Services.AddSingleton<ChatNotifier>();
        builder.Services.AddSingleton<SystemMessages>();
        return builder;
    }
}
