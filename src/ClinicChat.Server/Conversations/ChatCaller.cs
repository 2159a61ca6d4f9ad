using System.Security.Claims;
using ClinicChat.Accounts;

namespace ClinicChat.Conversations;

/// <summary>Who is asking: the chat services never see a ClaimsPrincipal, so REST and hub share one code path.</summary>
public readonly record struct ChatCaller(Guid UserId, bool IsAdmin)
{
    public static ChatCaller From(ClaimsPrincipal user) => new(user.UserId(), user.IsAdmin());
}

/// <summary>Refusals more than one chat service gives, so the code and text stay the same on every path.</summary>
public static class ConversationFailures
{
    /// <summary>Also the answer for a conversation the caller may not see, so ids cannot be probed.</summary>
    public static readonly Infrastructure.Failure NotFound = Infrastructure.Failure.NotFound("conversation.not_found", "Conversation");
}
