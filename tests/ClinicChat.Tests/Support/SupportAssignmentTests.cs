using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;

namespace ClinicChat.Tests.Support;

public sealed class SupportAssignmentTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    [Fact]
    public async Task RoomsGoToTheLeastLoadedOnlineEnabledAdminInTurn()
    {
        var a = await app.CreateStaffAsync("admin", "Desk A");
        var b = await app.CreateStaffAsync("admin", "Desk B");
        var c = await app.CreateStaffAsync("admin", "Desk C");
        var offline = await app.CreateStaffAsync("admin", "Desk Offline");
        var disabled = await app.CreateStaffAsync("admin", "Desk Disabled");
        await using var hubA = await app.ConnectHubAsync(a);
        await using var hubB = await app.ConnectHubAsync(b);
        await using var hubC = await app.ConnectHubAsync(c);
        // Connected first, then disabled: presence alone must not make an admin assignable.
        await using var hubDisabled = await app.ConnectHubAsync(disabled);
        await app.DisableAsync(disabled);

        var rooms = new List<RoomResponse>();
        for (var i = 0; i < 9; i++)
        {
            var patient = await app.RegisterPatientAsync($"Pasien {i}");
            rooms.Add(await patient.OpenSupportRoomAsync());
        }

        Assert.All(rooms, r => Assert.NotNull(r.Assignee));
        var online = new[] { a.Id, b.Id, c.Id };
        // Round robin among equals: every window of three consecutive rooms covers all three admins.
        for (var i = 0; i < 9; i += 3)
        {
            Assert.Equal(online.Order(), rooms.Skip(i).Take(3).Select(r => r.Assignee!.UserId).Order());
        }

        Assert.DoesNotContain(rooms, r => r.Assignee!.UserId == offline.Id || r.Assignee.UserId == disabled.Id);
        Assert.All(rooms, r => Assert.Contains(r.Members, m => m.UserId == r.Assignee!.UserId && m.Role == "admin"));

        // Closing one of A's rooms makes A the least loaded, so A gets the next room.
        await a.CloseSupportRoomAsync(rooms.First(r => r.Assignee!.UserId == a.Id).Id);
        var next = await (await app.RegisterPatientAsync()).OpenSupportRoomAsync();
        Assert.Equal(a.Id, next.Assignee!.UserId);
    }

    [Fact]
    public async Task ManualAssignMovesTheRoomAndOnlyAcceptsEnabledAdmins()
    {
        var from = await app.CreateStaffAsync("admin", "Desk From");
        var to = await app.CreateStaffAsync("admin", "Desk To");
        var patient = await app.RegisterPatientAsync();
        var room = await patient.OpenSupportRoomAsync();

        var self = await from.AssignSupportRoomAsync(room.Id);
        Assert.Equal(from.Id, self.Assignee!.UserId);

        var moved = await from.AssignSupportRoomAsync(room.Id, to.Id);
        Assert.Equal(to.Id, moved.Assignee!.UserId);
        Assert.DoesNotContain(moved.Members, m => m.UserId == from.Id);
        Assert.Contains(moved.Members, m => m.UserId == to.Id);

        var doctor = await app.CreateStaffAsync("doctor");
        var toDoctor = await from.Http.PostAsync($"/api/v1/support/rooms/{room.Id}/assign",
            System.Net.Http.Json.JsonContent.Create(new { adminId = doctor.Id }), TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, toDoctor.StatusCode);

        var gone = await app.CreateStaffAsync("admin", "Desk Gone");
        await app.DisableAsync(gone);
        var toDisabled = await from.Http.PostAsync($"/api/v1/support/rooms/{room.Id}/assign",
            System.Net.Http.Json.JsonContent.Create(new { adminId = gone.Id }), TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, toDisabled.StatusCode);

        Assert.Equal(to.Id, (await from.GetSupportRoomAsync(room.Id)).Assignee!.UserId);
    }
}
