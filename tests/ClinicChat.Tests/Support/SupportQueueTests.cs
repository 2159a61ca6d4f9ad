using System.Text.Json;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;

namespace ClinicChat.Tests.Support;

public sealed class SupportQueueTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    [Fact]
    public async Task RoomsWaitWithNoAdminOnlineAndAreAssignedOldestFirstWhenOneConnects()
    {
        var admin = await app.CreateStaffAsync("admin", "Desk Pagi");
        var waiting = new List<RoomResponse>();
        for (var i = 0; i < 4; i++)
        {
            var patient = await app.RegisterPatientAsync($"Menunggu {i}");
            waiting.Add(await patient.OpenSupportRoomAsync());
            app.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.All(waiting, r => Assert.Null(r.Assignee));
        var queue = await admin.ListSupportRoomsAsync("unassigned");
        Assert.Equal(waiting.Select(r => r.Id), queue.Select(r => r.Id));

        await using var hub = await app.ConnectHubAsync(admin);

        // The drain ran inside OnConnectedAsync, which the connect helper waits for.
        Assert.Empty(await admin.ListSupportRoomsAsync("unassigned"));
        var open = await admin.ListSupportRoomsAsync("open");
        Assert.All(waiting, w => Assert.Equal(admin.Id, open.Single(r => r.Id == w.Id).Assignee!.UserId));
        foreach (var room in waiting)
        {
            var update = await hub.NextMatchingAsync<JsonElement>("supportRoomUpdated", e => e.GetProperty("id").GetGuid() == room.Id);
            Assert.Equal("support", update.GetProperty("kind").GetString());
            Assert.Contains(update.GetProperty("members").EnumerateArray(), m => m.GetProperty("userId").GetGuid() == admin.Id);
        }
    }
}
