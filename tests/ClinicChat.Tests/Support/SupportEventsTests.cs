using System.Text.Json;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;

namespace ClinicChat.Tests.Support;

// Its own class (own server and database) so that no admin connected by another test takes the rooms.
public sealed class SupportEventsTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    [Fact]
    public async Task OnlineAdminsAreToldLiveAboutOpenMessageAssignAndClose()
    {
        var desk = await app.CreateStaffAsync("admin", "Desk Live");
        var watcher = await app.CreateStaffAsync("admin", "Desk Watcher");
        await using var deskHub = await app.ConnectHubAsync(desk);
        await using var watcherHub = await app.ConnectHubAsync(watcher);
        var patient = await app.RegisterPatientAsync("Rina Live");

        var message = await patient.SendToSupportAsync("Halo, saya tidak bisa login.");
        var roomId = message.ConversationId;

        bool IsRoom(JsonElement e) => e.GetProperty("id").GetGuid() == roomId;
        var opened = await watcherHub.NextMatchingAsync<JsonElement>("supportRoomUpdated", IsRoom);
        Assert.Equal("open", opened.GetProperty("status").GetString());
        Assert.Equal(message.Id, opened.GetProperty("lastMessage").GetProperty("id").GetGuid());
        var assignee = opened.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("role").GetString() == "admin").GetProperty("userId").GetGuid();
        var (assigneeHub, other, otherHub) = assignee == desk.Id ? (deskHub, watcher, watcherHub) : (watcherHub, desk, deskHub);

        // The assignee became a member with an unread message.
        var unread = await assigneeHub.NextMatchingAsync<JsonElement>("unreadChanged", e => e.GetProperty("conversationId").GetGuid() == roomId);
        Assert.Equal(1, unread.GetProperty("unreadCount").GetInt64());

        // A later user message through the chat path reaches the desk via the support hook.
        await patient.SendToSupportAsync("Masih belum bisa.");
        var again = await otherHub.NextMatchingAsync<JsonElement>("supportRoomUpdated", e => IsRoom(e) && e.GetProperty("lastSeq").GetInt64() == 2);
        Assert.Equal(2, again.GetProperty("unreadCount").GetInt64());

        await other.AssignSupportRoomAsync(roomId);
        var reassigned = await assigneeHub.NextMatchingAsync<JsonElement>("supportRoomUpdated",
            e => IsRoom(e) && e.GetProperty("members").EnumerateArray().Any(m => m.GetProperty("userId").GetGuid() == other.Id));
        Assert.DoesNotContain(reassigned.GetProperty("members").EnumerateArray(), m => m.GetProperty("userId").GetGuid() == assignee);
        await otherHub.NextMatchingAsync<JsonElement>("unreadChanged", e => e.GetProperty("conversationId").GetGuid() == roomId);

        await other.CloseSupportRoomAsync(roomId, "Reset password done.");
        var closed = await assigneeHub.NextMatchingAsync<JsonElement>("supportRoomUpdated", e => IsRoom(e) && e.GetProperty("status").GetString() == "closed");
        Assert.Equal("system", closed.GetProperty("lastMessage").GetProperty("kind").GetString());
    }
}
