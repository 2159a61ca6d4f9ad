using System.Text.Json;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;

namespace ClinicChat.Tests.Support;

// Its own class (own server and database) so that no admin connected by another test takes the rooms.
public sealed class SupportDisabledAdminTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    [Fact]
    public async Task ADisabledAdminsOpenRoomsGoBackToTheQueueAndAreAssignedAgain()
    {
        var leaving = await app.CreateStaffAsync("admin", "Desk Leaving");
        var staying = await app.CreateStaffAsync("admin", "Desk Staying");
        var later = await app.CreateStaffAsync("admin", "Desk Later");
        var rooms = new List<RoomResponse>();
        await using (var leavingHub = await app.ConnectHubAsync(leaving))
        {
            for (var i = 0; i < 2; i++)
            {
                rooms.Add(await (await app.RegisterPatientAsync($"Pasien {i}")).OpenSupportRoomAsync());
            }

            Assert.All(rooms, r => Assert.Equal(leaving.Id, r.Assignee!.UserId));
            await using var stayingHub = await app.ConnectHubAsync(staying);

            await app.DisableAsync(leaving);

            // Assignment ran again at once: the other online admin has them, with live desk updates.
            foreach (var room in rooms)
            {
                var moved = await staying.GetSupportRoomAsync(room.Id);
                Assert.Equal(staying.Id, moved.Assignee!.UserId);
                Assert.DoesNotContain(moved.Members, m => m.UserId == leaving.Id);
                await stayingHub.NextMatchingAsync<JsonElement>("supportRoomUpdated", e =>
                    e.GetProperty("id").GetGuid() == room.Id
                    && e.GetProperty("members").EnumerateArray().Any(m => m.GetProperty("userId").GetGuid() == staying.Id));
            }
        }

        // With nobody else online the rooms wait in the queue until an admin connects.
        await app.DisableAsync(staying);
        var queue = await later.ListSupportRoomsAsync("unassigned");
        Assert.Equal(rooms.Select(r => r.Id).Order(), queue.Select(r => r.Id).Order());
        Assert.All(queue, r => Assert.DoesNotContain(r.Members, m => m.Role == "admin"));

        await using var laterHub = await app.ConnectHubAsync(later);
        Assert.All(await later.ListSupportRoomsAsync("open"), r => Assert.Equal(later.Id, r.Assignee!.UserId));
        Assert.Empty(await later.ListSupportRoomsAsync("unassigned"));
    }
}
