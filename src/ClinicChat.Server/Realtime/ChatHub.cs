using ClinicChat.Accounts;
using ClinicChat.Support;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace ClinicChat.Realtime;

/// <summary>
/// The real-time face of the chat services. Methods stay thin: each calls the same service as its REST twin.
/// SignalR's default user id provider reads ClaimTypes.NameIdentifier, so Clients.User(id) reaches every
/// connection of a user.
/// </summary>
[Authorize]
public sealed class ChatHub(PresenceTracker presence, SupportDesk supportDesk) : Hub<IChatClient>
{
    public override async Task OnConnectedAsync()
    {
        var userId = Context.User!.UserId();
        if (presence.Connected(userId))
        {
            await Clients.Others.Presence(new PresenceEvent(userId, true));
            if (Context.User!.IsAdmin())
            {
                await supportDesk.AdminCameOnlineAsync(userId, Context.ConnectionAborted);
            }
        }

        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        var userId = Context.User!.UserId();
        if (presence.Disconnected(userId))
        {
            await Clients.Others.Presence(new PresenceEvent(userId, false));
        }

        await base.OnDisconnectedAsync(exception);
    }
}
