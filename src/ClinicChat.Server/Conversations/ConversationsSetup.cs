namespace ClinicChat.Conversations;

public static class ConversationsSetup
{
    public static WebApplicationBuilder AddConversations(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ConversationStore>();
        builder.Services.AddSingleton<SystemNotes>();
        builder.Services.AddSingleton<ConversationLocks>();
        builder.Services.AddSingleton<SendRateLimiter>();
        builder.Services.AddSingleton<ConversationQueries>();
        builder.Services.AddSingleton<UnreadCounter>();
        builder.Services.AddSingleton<UnreadAnnouncer>();
        builder.Services.AddHostedService(services => services.GetRequiredService<UnreadAnnouncer>());
        builder.Services.AddOptions<MessageWriterOptions>().BindConfiguration(MessageWriterOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<MessageWriter>();
        builder.Services.AddSingleton<MessageSender>();
        builder.Services.AddSingleton<MessageHistory>();
        builder.Services.AddSingleton<ReadReceipts>();
        builder.Services.AddSingleton<MessageDeletion>();
        builder.Services.AddSingleton<MessageSearch>();
        return builder;
    }
}
