using System.Net;
using System.Net.Http.Json;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Support;

public sealed class SupportAuthorizationTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    [Fact]
    public async Task APatientSeesOnlyTheirOwnRoomAndNotTheDesk()
    {
        var owner = await app.RegisterPatientAsync();
        var stranger = await app.RegisterPatientAsync();
        var room = await owner.OpenSupportRoomAsync();
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(HttpStatusCode.OK, (await owner.Http.GetAsync($"/api/v1/support/rooms/{room.Id}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Http.GetAsync($"/api/v1/support/rooms/{room.Id}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.Http.GetAsync("/api/v1/support/rooms?status=open", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await owner.Http.GetAsync("/api/v1/support/rooms", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await owner.Http.PostAsJsonAsync($"/api/v1/support/rooms/{room.Id}/close", new { }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await owner.Http.PostAsJsonAsync($"/api/v1/support/rooms/{room.Id}/assign", new { }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await owner.Http.GetAsync("/api/v1/support/stats", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateAnonymousClient().PostAsync("/api/v1/support/room", null, ct)).StatusCode);
    }

    [Fact]
    public async Task ADoctorIsNotAnAdminButMayAskTheDeskForHelp()
    {
        var doctor = await app.CreateStaffAsync("doctor");
        var patient = await app.RegisterPatientAsync();
        var patientRoom = await patient.OpenSupportRoomAsync();
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(HttpStatusCode.Forbidden, (await doctor.Http.GetAsync("/api/v1/support/rooms?status=unassigned", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await doctor.Http.GetAsync($"/api/v1/support/rooms/{patientRoom.Id}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await doctor.Http.PostAsJsonAsync($"/api/v1/support/rooms/{patientRoom.Id}/close", new { }, ct)).StatusCode);

        var own = await doctor.OpenSupportRoomAsync();
        Assert.Equal(doctor.Id, own.User.UserId);
    }

    [Fact]
    public async Task AnyAdminReadsAnyRoomButDoesNotOpenOne()
    {
        var admin = await app.CreateStaffAsync("admin");
        var patient = await app.RegisterPatientAsync();
        var room = await patient.OpenSupportRoomAsync();
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(room.Id, (await admin.GetSupportRoomAsync(room.Id)).Id);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.Http.PostAsync("/api/v1/support/room", null, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Http.GetAsync($"/api/v1/support/rooms/{Guid.NewGuid()}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Http.PostAsJsonAsync($"/api/v1/support/rooms/{Guid.NewGuid()}/close", new { }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.Http.GetAsync("/api/v1/support/rooms?status=everything", ct)).StatusCode);
    }
}
