using System.Net;
using System.Net.Http.Json;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Support;

public sealed class SupportLifecycleTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    [Fact]
    public async Task OpeningTwiceReturnsTheSameRoom()
    {
        var patient = await app.RegisterPatientAsync();

        var first = await patient.Http.PostAsync("/api/v1/support/room", null, TestContext.Current.CancellationToken);
        var second = await patient.Http.PostAsync("/api/v1/support/room", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var a = await first.Content.ReadFromJsonAsync<RoomResponse>(TestContext.Current.CancellationToken);
        var b = await second.Content.ReadFromJsonAsync<RoomResponse>(TestContext.Current.CancellationToken);
        Assert.Equal(a!.Id, b!.Id);
        Assert.Equal("support", a.Kind);
        Assert.Equal("open", a.Status);
        Assert.Equal(patient.Id, a.User.UserId);
    }

    [Fact]
    public async Task ClosedRoomStaysClosedAndTheNextMessageOpensAFreshRoom()
    {
        var admin = await app.CreateStaffAsync("admin", "Desk Tutup");
        var patient = await app.RegisterPatientAsync("Budi Tutup");
        var first = await patient.SendToSupportAsync("Tagihan saya salah.", "m-1");
        var roomId = first.ConversationId;

        var closed = await admin.CloseSupportRoomAsync(roomId, "Refund issued.");
        Assert.Equal("closed", closed.Status);
        Assert.NotNull(closed.ClosedAt);
        Assert.Equal("Refund issued.", closed.CloseNote);
        Assert.Equal("system", closed.LastMessage!.Kind);
        Assert.Equal(2, closed.LastSeq);

        // Closing again changes nothing (no second system message).
        var again = await admin.CloseSupportRoomAsync(roomId);
        Assert.Equal(2, again.LastSeq);
        Assert.Equal("Refund issued.", again.CloseNote);

        // The user sees the closed room without the desk's internal note.
        var seenByUser = await patient.GetSupportRoomAsync(roomId);
        Assert.Equal("closed", seenByUser.Status);
        Assert.Null(seenByUser.CloseNote);

        // A retry of the already stored message does not reopen anything.
        var retry = await patient.Http.PostAsJsonAsync("/api/v1/support/messages",
            new { clientMessageId = "m-1", text = "Tagihan saya salah." }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(first.Id, (await retry.Content.ReadFromJsonAsync<MessageResponse>(TestContext.Current.CancellationToken))!.Id);

        var reopened = await patient.SendToSupportAsync("Satu pertanyaan lagi.", "m-2");
        Assert.NotEqual(roomId, reopened.ConversationId);
        Assert.Equal(1, reopened.Seq);
        var fresh = await patient.GetSupportRoomAsync(reopened.ConversationId);
        Assert.Equal("open", fresh.Status);
        Assert.Equal("closed", (await patient.GetSupportRoomAsync(roomId)).Status);

        // POST /support/room now returns the fresh room; closed rooms are listed on the desk.
        Assert.Equal(fresh.Id, (await patient.OpenSupportRoomAsync()).Id);
        Assert.Contains(await admin.ListSupportRoomsAsync("closed"), r => r.Id == roomId);
        Assert.DoesNotContain(await admin.ListSupportRoomsAsync("open"), r => r.Id == roomId);

        // A closed room cannot be assigned.
        var assign = await admin.Http.PostAsJsonAsync($"/api/v1/support/rooms/{roomId}/assign", new { }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Conflict, assign.StatusCode);
    }

    [Fact]
    public async Task WaitingSinceIsTheOldestUnansweredUserMessage()
    {
        var admin = await app.CreateStaffAsync("admin", "Desk Tunggu");
        var patient = await app.RegisterPatientAsync("Sari Tunggu");
        var asked = await patient.SendToSupportAsync("Pertanyaan pertama");
        var roomId = asked.ConversationId;
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await patient.SendToSupportAsync("Halo?");

        var waiting = (await admin.ListSupportRoomsAsync("open")).Single(r => r.Id == roomId);
        Assert.Equal(asked.CreatedAt, waiting.WaitingSince);
        Assert.Equal(2, waiting.UnreadCount);
        Assert.Equal("Halo?", waiting.LastMessage!.Text);

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await admin.AssignSupportRoomAsync(roomId);
        await app.ReplyAsDeskAsync(roomId, admin, "Baik, kami cek.");
        Assert.Null((await admin.GetSupportRoomAsync(roomId)).WaitingSince);

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var followUp = await patient.SendToSupportAsync("Terima kasih, satu lagi");
        Assert.Equal(followUp.CreatedAt, (await admin.GetSupportRoomAsync(roomId)).WaitingSince);
    }

    [Fact]
    public async Task SupportMessagesAreValidated()
    {
        var patient = await app.RegisterPatientAsync();

        var blank = await patient.Http.PostAsJsonAsync("/api/v1/support/messages", new { clientMessageId = "x", text = "   " }, TestContext.Current.CancellationToken);
        var control = await patient.Http.PostAsJsonAsync("/api/v1/support/messages", new { clientMessageId = "y", text = "a\u0007b" }, TestContext.Current.CancellationToken);
        var noId = await patient.Http.PostAsJsonAsync("/api/v1/support/messages", new { text = "hi" }, TestContext.Current.CancellationToken);
        var tooLong = await patient.Http.PostAsJsonAsync("/api/v1/support/messages", new { clientMessageId = "z", text = new string('a', 5001) }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, blank.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, control.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noId.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("\"text\"", await control.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var none = await patient.Http.GetAsync("/api/v1/support/room", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
    }
}
