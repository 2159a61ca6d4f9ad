using System.Net;
using System.Net.Http.Json;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;

namespace ClinicChat.Tests.Consultations;

/// <summary>
/// Sends into a consultation conversation over REST and the hub: accepted while active, refused with the
/// consultation status named afterwards.
/// </summary>
public sealed class ConsultationChatReadOnlyTests(ConsultationApp app) : IClassFixture<ConsultationApp>
{
    [Fact]
    public async Task RestSendsWorkWhileActiveAndAreRefusedNamingTheStatusAfterCompletion()
    {
        var ct = TestContext.Current.CancellationToken;
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var active = await app.ActiveConsultationAsync(patient, doctor);
        var path = $"/api/v1/conversations/{active.ConversationId}/messages";

        var during = await patient.Http.PostAsJsonAsync(path, new { clientMessageId = Guid.NewGuid().ToString(), text = "Selamat pagi, dok" }, ct);
        Assert.Equal(HttpStatusCode.Created, during.StatusCode);

        app.Clock.Advance(ConsultationApp.Duration);
        await app.RunDueAsync();
        var fresh = await app.FreshAsync(patient);
        var after = await fresh.Http.PostAsJsonAsync(path, new { clientMessageId = Guid.NewGuid().ToString(), text = "Satu lagi" }, ct);

        Assert.InRange((int)after.StatusCode, 400, 499);
        Assert.Contains("completed", await after.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        // Still readable: part of the medical record.
        Assert.Equal(HttpStatusCode.OK, (await fresh.Http.GetAsync(path, ct)).StatusCode);
    }

    [Fact]
    public async Task HubSendsAreRefusedNamingTheStatusAfterCompletion()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var active = await app.ActiveConsultationAsync(patient, doctor);
        await using var hub = await app.ConnectHubAsync(doctor);
        await hub.InvokeAsync("SendMessage", active.ConversationId, Guid.NewGuid().ToString(), "Ada keluhan apa?");

        app.Clock.Advance(ConsultationApp.Duration);
        await app.RunDueAsync();

        var refused = await Assert.ThrowsAsync<HubInvocationException>(() =>
            hub.InvokeAsync("SendMessage", active.ConversationId, Guid.NewGuid().ToString(), "Halo?"));
        Assert.Contains("completed", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendsBeforeTheDoctorAcceptsAreRefusedNamingPaid()
    {
        var ct = TestContext.Current.CancellationToken;
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var booked = await ConsultationApp.BookAsync(patient, doctor.Id);
        await (await app.SimulatorAsync(booked.Payment!, "approve")).EnsureSuccessAsync();
        var paid = await ConsultationApp.GetAsync(patient, booked.Id);

        var early = await patient.Http.PostAsJsonAsync($"/api/v1/conversations/{paid.ConversationId}/messages",
            new { clientMessageId = Guid.NewGuid().ToString(), text = "Halo" }, ct);

        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Contains("This consultation is paid (not active); messages can be sent only while it is active.",
            await early.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }
}
