using System.Net;
using System.Net.Http.Json;
using ClinicChat.Care;
using ClinicChat.Conversations;
using ClinicChat.Realtime;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;
using static ClinicChat.Tests.Realtime.ChatTestKit;

namespace ClinicChat.Tests.Care;

public sealed class CareChatTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    [Fact]
    public async Task AnAssignedPairChatsThroughCareRoutesWithoutNamingTheNurse()
    {
        var patient = await app.RegisterPatientAsync("Dewi");
        var nurse = await app.CreateStaffAsync("nurse", "Bidan Rina");
        var assignment = await AssignAsync(patient, nurse);
        await using var nurseHub = await app.ConnectHubAsync(nurse);
        await nurseHub.InvokeAsync<SubscribeResult>("Subscribe", assignment.ConversationId);

        var fromPatient = await patient.Http.PostAsJsonAsync("/api/v1/care/messages", new { clientMessageId = "p-1", text = "Bidan, kapan imunisasi berikutnya?" }, Ct);
        var fromNurse = await nurse.Http.PostAsJsonAsync("/api/v1/care/messages", new { clientMessageId = "n-1", text = "Minggu depan, Bu.", patientId = patient.Id }, Ct);
        var retry = await patient.Http.PostAsJsonAsync("/api/v1/care/messages", new { clientMessageId = "p-1", text = "Bidan, kapan imunisasi berikutnya?" }, Ct);

        Assert.Equal(HttpStatusCode.Created, fromPatient.StatusCode);
        Assert.Equal(HttpStatusCode.Created, fromNurse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var sent = (await fromPatient.Content.ReadFromJsonAsync<MessageDto>(Ct))!;
        Assert.Equal(assignment.ConversationId, sent.ConversationId);
        Assert.Equal(sent, await nurseHub.NextAsync<MessageDto>("messageCreated"));

        var myNurse = (await patient.Http.GetFromJsonAsync<CareNurseDto>("/api/v1/care/nurse", Ct))!;
        Assert.Equal(nurse.Id, myNurse.NurseId);
        Assert.Equal("Bidan Rina", myNurse.DisplayName);
        Assert.Equal(assignment.ConversationId, myNurse.ConversationId);

        var myPatients = (await nurse.Http.GetFromJsonAsync<List<CarePatientDto>>("/api/v1/care/patients", Ct))!;
        var entry = Assert.Single(myPatients);
        Assert.Equal(patient.Id, entry.PatientId);
        Assert.Equal("Dewi", entry.DisplayName);
        Assert.Equal("Minggu depan, Bu.", entry.LastMessage!.Text);
        Assert.Equal(1, entry.UnreadCount);
    }

    [Fact]
    public async Task ANurseCannotWriteToAPatientWhoIsNotAssignedToHer()
    {
        var patient = await app.RegisterPatientAsync();
        var nurse = await app.CreateStaffAsync("nurse");
        var otherNurse = await app.CreateStaffAsync("nurse");
        var assignment = await AssignAsync(patient, nurse);

        var viaCare = await otherNurse.Http.PostAsJsonAsync("/api/v1/care/messages", new { clientMessageId = "x", text = "halo", patientId = patient.Id }, Ct);
        var viaConversation = await otherNurse.PostMessageAsync(assignment.ConversationId, "halo");
        var withoutPatient = await nurse.Http.PostAsJsonAsync("/api/v1/care/messages", new { clientMessageId = "y", text = "halo" }, Ct);
        var asDoctor = await (await app.CreateStaffAsync("doctor")).Http.PostAsJsonAsync("/api/v1/care/messages", new { clientMessageId = "z", text = "halo", patientId = patient.Id }, Ct);

        Assert.Equal(HttpStatusCode.NotFound, viaCare.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, viaConversation.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, withoutPatient.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asDoctor.StatusCode);
        Assert.Empty(await app.StoredMessagesAsync(assignment.ConversationId));
    }

    [Fact]
    public async Task APatientWithoutANurseIsToldSo()
    {
        var patient = await app.RegisterPatientAsync();

        var nurse = await patient.Http.GetAsync("/api/v1/care/nurse", Ct);
        var send = await patient.Http.PostAsJsonAsync("/api/v1/care/messages", new { clientMessageId = "x", text = "halo" }, Ct);

        Assert.Equal(HttpStatusCode.NotFound, nurse.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, send.StatusCode);
    }

    [Fact]
    public async Task ReassigningStartsANewPairAndKeepsTheOldConversationReadableButReadOnly()
    {
        var patient = await app.RegisterPatientAsync();
        var first = await app.CreateStaffAsync("nurse");
        var second = await app.CreateStaffAsync("nurse");
        var old = await AssignAsync(patient, first);
        await patient.SendAsync(old.ConversationId, "pesan lama");

        var renewed = await AssignAsync(patient, second);

        Assert.NotEqual(old.ConversationId, renewed.ConversationId);
        Assert.Equal(second.Id, (await patient.Http.GetFromJsonAsync<CareNurseDto>("/api/v1/care/nurse", Ct))!.NurseId);
        Assert.Empty((await first.Http.GetFromJsonAsync<List<CarePatientDto>>("/api/v1/care/patients", Ct))!);
        Assert.Single((await first.HistoryAsync(old.ConversationId)).Messages);
        Assert.Single((await patient.HistoryAsync(old.ConversationId)).Messages);
        var refused = await first.PostMessageAsync(old.ConversationId, "masih bisa?");
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var viaCare = await patient.Http.PostAsJsonAsync("/api/v1/care/messages", new { clientMessageId = "to-new", text = "halo perawat baru" }, Ct);
        Assert.Equal(renewed.ConversationId, (await viaCare.Content.ReadFromJsonAsync<MessageDto>(Ct))!.ConversationId);

        // Back to the first nurse: the pair's conversation is reused and writable again.
        var back = await AssignAsync(patient, first);
        Assert.Equal(old.ConversationId, back.ConversationId);
        Assert.Equal(HttpStatusCode.Created, (await first.PostMessageAsync(old.ConversationId, "kembali lagi")).StatusCode);
    }

    [Fact]
    public async Task AdminsSeeEachPatientsCurrentNurseAndNobodyElseDoes()
    {
        var patient = await app.RegisterPatientAsync("Ketut Overview");
        var first = await app.CreateStaffAsync("nurse", "Bidan Pertama");
        var second = await app.CreateStaffAsync("nurse", "Bidan Kedua");
        await AssignAsync(patient, first);
        var current = await AssignAsync(patient, second);
        var admin = await app.AdminAsync();

        var assignments = await admin.Http.GetFromJsonAsync<List<CareAssignmentViewDto>>("/api/v1/admin/patients/nurse-assignments", Ct);
        var forNurse = await first.Http.GetAsync("/api/v1/admin/patients/nurse-assignments", Ct);
        var forPatient = await patient.Http.GetAsync("/api/v1/admin/patients/nurse-assignments", Ct);

        var mine = Assert.Single(assignments!, a => a.PatientId == patient.Id);
        Assert.Equal((second.Id, "Bidan Kedua", "Ketut Overview", current.ConversationId), (mine.NurseId, mine.NurseName, mine.PatientName, mine.ConversationId));
        Assert.Equal(HttpStatusCode.Forbidden, forNurse.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forPatient.StatusCode);
    }

    [Fact]
    public async Task AssigningTheCurrentNurseAgainChangesNothing()
    {
        var patient = await app.RegisterPatientAsync();
        var nurse = await app.CreateStaffAsync("nurse");
        var first = await AssignAsync(patient, nurse);

        var again = await AssignAsync(patient, nurse);

        Assert.Equal(first.ConversationId, again.ConversationId);
    }

    [Fact]
    public async Task OnlyAnAdminAssignsAndOnlyANurseToAPatient()
    {
        var patient = await app.RegisterPatientAsync();
        var nurse = await app.CreateStaffAsync("nurse");
        var doctor = await app.CreateStaffAsync("doctor");
        var admin = await app.AdminAsync();

        var byNurse = await nurse.Http.PutAsJsonAsync($"/api/v1/admin/patients/{patient.Id}/nurse", new { nurseId = nurse.Id }, Ct);
        var toDoctor = await admin.Http.PutAsJsonAsync($"/api/v1/admin/patients/{patient.Id}/nurse", new { nurseId = doctor.Id }, Ct);
        var forNurse = await admin.Http.PutAsJsonAsync($"/api/v1/admin/patients/{nurse.Id}/nurse", new { nurseId = nurse.Id }, Ct);
        var missing = await admin.Http.PutAsJsonAsync($"/api/v1/admin/patients/{patient.Id}/nurse", new { }, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, byNurse.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, toDoctor.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, forNurse.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
    }

    [Fact]
    public async Task CareListsAreForTheirRolesOnly()
    {
        var patient = await app.RegisterPatientAsync();
        var nurse = await app.CreateStaffAsync("nurse");

        Assert.Equal(HttpStatusCode.Forbidden, (await patient.Http.GetAsync("/api/v1/care/patients", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await nurse.Http.GetAsync("/api/v1/care/nurse", Ct)).StatusCode);
    }

    private async Task<CareAssignmentDto> AssignAsync(TestUser patient, TestUser nurse)
    {
        var admin = await app.AdminAsync();
        var response = await admin.Http.PutAsJsonAsync($"/api/v1/admin/patients/{patient.Id}/nurse", new { nurseId = nurse.Id }, Ct);
        await response.EnsureSuccessAsync();
        return (await response.Content.ReadFromJsonAsync<CareAssignmentDto>(Ct))!;
    }
}
