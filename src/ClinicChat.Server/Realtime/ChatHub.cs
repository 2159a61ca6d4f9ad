using ClinicChat.Accounts;
using ClinicChat.Conversations;
using ClinicChat.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace ClinicChat.Realtime;

/// <summary>Subscribe's answer: the conversation, its last seq (Sync from your own last seq up to it) and who of its members is online.</summary>
public sealed record SubscribeResult(ConversationDto Conversation, long LastSeq, IReadOnlyList<Guid> OnlineUserIds);

/// <summary>
/// The real-time face of the chat services. Methods stay thin: each calls the same service as its REST twin, and
/// refusals surface as HubException with the same message REST puts in its problem details.
/// SignalR's default user id provider reads ClaimTypes.NameIdentifier, so Clients.User(id) reaches every
/// connection of a user.
/// </summary>
[Authorize]
public sealed class ChatHub(
    MessageSender sender,
    MessageHistory history,
    ReadReceipts receipts,
    ConversationQueries conversations,
    TypingTracker typing,
    PresenceNotifier presence,
    IPresence online,
    HubConnectionRegistry registry,
    IEnumerable<IUserCameOnlineObserver> cameOnline,
    TimeProvider time) : Hub<IChatClient>
{
    public const int MaxTypingCallsPerSecond = 10;

    private const string VerifiedKey = "chat.verified";
    private const string TypingWindowKey = "chat.typingWindow";

    private ChatCaller Caller => ChatCaller.From(Context.User!);

    public override async Task OnConnectedAsync()
    {
        registry.Add(Context);
        var userId = Context.User!.UserId();
        if (await presence.ConnectedAsync(userId, Context.ConnectionAborted))
        {
            foreach (var observer in cameOnline)
            {
                await observer.OnUserCameOnlineAsync(userId, Context.User!.IsAdmin(), Context.ConnectionAborted);
            }
        }

        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        registry.Remove(Context.ConnectionId);
        await typing.ConnectionClosedAsync(Context.ConnectionId);
        await presence.DisconnectedAsync(Context.User!.UserId());
        await base.OnDisconnectedAsync(exception);
    }

    /// <summary>
    /// Joins the conversation's event group. The group is joined before lastSeq is read, so every message above
    /// lastSeq arrives as an event: Sync from your last seq, then rely on events (deduplicate by seq).
    /// </summary>
    public async Task<SubscribeResult> Subscribe(Guid conversationId)
    {
        var ct = Context.ConnectionAborted;
        if (await conversations.FindAccessAsync(Caller, conversationId, ct) is null)
        {
            throw ConversationFailures.NotFound.ToHubException();
        }

        await Groups.AddToGroupAsync(Context.ConnectionId, ChatNotifier.ConversationGroup(conversationId), ct);
        Verified.Add(conversationId);
        var conversation = await conversations.GetAsync(Caller, conversationId, ct)
            ?? throw ConversationFailures.NotFound.ToHubException();
        return new SubscribeResult(conversation, conversation.LastSeq,
            [.. conversation.Members.Select(m => m.UserId).Where(online.IsOnline)]);
    }

    public async Task Unsubscribe(Guid conversationId)
    {
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, ChatNotifier.ConversationGroup(conversationId), Context.ConnectionAborted);
        await typing.SetAsync(Context.ConnectionId, Caller.UserId, conversationId, isTyping: false);
    }

    public async Task<MessageDto> SendMessage(Guid conversationId, string? clientMessageId, [MultilineText] string? text) =>
        (await sender.SendAsync(Caller, conversationId, clientMessageId, text, attachmentIds: null, Context.ConnectionId, Context.ConnectionAborted)).OrThrow().Message;

    /// <summary>SendMessage with uploads (ids from POST .../attachments); a separate method so SendMessage's three-argument form keeps working.</summary>
    public async Task<MessageDto> SendMessageWithAttachments(Guid conversationId, string? clientMessageId, [MultilineText] string? text, Guid[]? attachmentIds) =>
        (await sender.SendAsync(Caller, conversationId, clientMessageId, text, attachmentIds, Context.ConnectionId, Context.ConnectionAborted)).OrThrow().Message;

    /// <summary>Ephemeral; calls beyond <see cref="MaxTypingCallsPerSecond"/> per connection are dropped silently.</summary>
    public async Task Typing(Guid conversationId, bool isTyping)
    {
        if (!WithinTypingBudget())
        {
            return;
        }

        if (!Verified.Contains(conversationId))
        {
            if (await conversations.FindAccessAsync(Caller, conversationId, Context.ConnectionAborted) is null)
            {
                throw ConversationFailures.NotFound.ToHubException();
            }

            Verified.Add(conversationId);
        }

        await typing.SetAsync(Context.ConnectionId, Caller.UserId, conversationId, isTyping);
    }

    public async Task<ReadStateDto> MarkRead(Guid conversationId, long upToSeq) =>
        (await receipts.MarkReadAsync(Caller, conversationId, upToSeq, null, Context.ConnectionAborted)).OrThrow();

    public async Task<DeliveryStateDto> AckDelivered(Guid conversationId, long upToSeq) =>
        (await receipts.AckDeliveredAsync(Caller, conversationId, upToSeq, Context.ConnectionAborted)).OrThrow();

    /// <summary>Messages after <paramref name="afterSeq"/>, oldest first; call again from the last one while hasMore.</summary>
    public async Task<MessagePage> Sync(Guid conversationId, long afterSeq, int? limit) =>
        (await history.SyncAsync(Caller, conversationId, afterSeq, limit, Context.ConnectionAborted)).OrThrow();

    // Conversations this connection has proven access to; hub calls on one connection run one at a time.
    private HashSet<Guid> Verified
    {
        get
        {
            if (Context.Items.TryGetValue(VerifiedKey, out var value) && value is HashSet<Guid> set)
            {
                return set;
            }

            var created = new HashSet<Guid>();
            Context.Items[VerifiedKey] = created;
            return created;
        }
    }

    private bool WithinTypingBudget()
    {
        var now = time.GetUtcNow();
        var window = Context.Items.TryGetValue(TypingWindowKey, out var value) && value is TypingWindow w ? w : null;
        if (window is null || now - window.Start >= TimeSpan.FromSeconds(1))
        {
            Context.Items[TypingWindowKey] = new TypingWindow(now) { Calls = 1 };
            return true;
        }

        return ++window.Calls <= MaxTypingCallsPerSecond;
    }

    private sealed class TypingWindow(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;

        public int Calls { get; set; }
    }
}
