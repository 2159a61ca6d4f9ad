using System.Net;
using ClinicChat.Conversations;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;
using Microsoft.Extensions.DependencyInjection;
using static ClinicChat.Tests.Realtime.ChatTestKit;

namespace ClinicChat.Tests.Conversations;

/// <summary>Its own app: moving the clock past the window also expires every access token issued before.</summary>
public sealed class DeletionWindowTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    [Fact]
    public async Task AfterFifteenMinutesOnlyAnAdminMayDeleteAndSystemMessagesStay()
    {
        var patient = await app.RegisterPatientAsync();
        var conversation = await app.CreateCareChatAsync(patient, await app.CreateStaffAsync("nurse"));
        var message = await patient.SendAsync(conversation, "pesan lama");
        var note = await app.Services.GetRequiredService<SystemNotes>().PostAsync(conversation, "catatan sistem", Ct);

        app.Clock.Advance(TimeSpan.FromMinutes(16));
        var sender = await app.LoginAsync(patient.Email, patient.Password); // access tokens last 15 minutes
        var admin = await app.LoginAsync(ClinicChatApp.AdminEmail, ClinicChatApp.AdminPassword);
        var late = await sender.Http.DeleteAsync($"/api/v1/messages/{message.Id}", Ct);
        var byAdmin = await admin.Http.DeleteAsync($"/api/v1/messages/{message.Id}", Ct);
        var systemNote = await admin.Http.DeleteAsync($"/api/v1/messages/{note.Id}", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, late.StatusCode);
        Assert.Contains("15 minutes", await late.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, byAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, systemNote.StatusCode);
        Assert.Null((await app.StoredMessagesAsync(conversation))[0].Text);
    }
}
