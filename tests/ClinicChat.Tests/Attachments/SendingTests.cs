using System.Net;
using System.Net.Http.Json;
using ClinicChat.Care;
using ClinicChat.Conversations;
using ClinicChat.Realtime;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;
using ClinicChat.Tests.Support;

namespace ClinicChat.Tests.Attachments;

/// <summary>Sending uploads as messages: who may send which upload, how messages carry them, and who may read them then.</summary>
public sealed class SendingTests(AttachmentApp app) : IClassFixture<AttachmentApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<HttpResponseMessage> PostAsync(TestUser user, Guid conversationId, string? text, Guid[]? attachmentIds, string? clientMessageId = null) =>
        user.Http.PostAsJsonAsync($"/api/v1/conversations/{conversationId}/messages",
            new { clientMessageId = clientMessageId ?? Guid.NewGuid().ToString("N"), text, attachmentIds }, Ct);

    private static async Task<MessageDto> SendWithAsync(TestUser user, Guid conversationId, string? text, params Guid[] attachmentIds)
    {
        var response = await PostAsync(user, conversationId, text, attachmentIds);
        await response.EnsureSuccessAsync();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<MessageDto>(Ct))!;
    }

    private static MessageAttachmentDto Expected(AttachmentResponse upload) =>
        new(upload.Id, upload.FileName, upload.ContentType, upload.Size, upload.Width, upload.Height);

    [Fact]
    public async Task AConsultationMessageCarriesItsPhotosAndTheDoctorCanReadThemOnlyOnceSent()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var conversation = (await app.ActiveConsultationAsync(patient, doctor)).ConversationId!.Value;
        var first = await patient.UploadAsync(conversation, AttachmentTestKit.JpegWithGps(), "ruam.jpg", "image/jpeg");
        var second = await patient.UploadAsync(conversation, AttachmentTestKit.Png(), "lengan.png", "image/png");
        Assert.Equal(HttpStatusCode.NotFound, (await doctor.GetAttachmentAsync(first.Id)).StatusCode);

        var sent = await SendWithAsync(patient, conversation, "Ruamnya begini, dok", first.Id, second.Id);

        Assert.Equal(MessageKinds.Image, sent.Kind);
        Assert.Equal("Ruamnya begini, dok", sent.Text);
        Assert.Equal([Expected(first), Expected(second)], sent.Attachments);
        Assert.Equal(HttpStatusCode.OK, (await doctor.GetAttachmentAsync(first.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await doctor.GetAttachmentAsync(second.Id, "/thumbnail")).StatusCode);
        Assert.Equal(sent, Assert.Single((await doctor.HistoryAsync(conversation)).Messages, m => m.Id == sent.Id));
    }

    [Fact]
    public async Task AFileWithoutTextIsAFileMessageAndAnyNonImageMakesTheMessageAFile()
    {
        var (patient, nurse, care) = await app.CarePairAsync();
        var pdf = await nurse.UploadAsync(care, AttachmentTestKit.Pdf(), "jadwal.pdf", "application/pdf");
        var photo = await nurse.UploadAsync(care, AttachmentTestKit.Png(), "foto.png", "image/png");
        var lone = await nurse.UploadAsync(care, AttachmentTestKit.Pdf(marker: "lain"), "hasil.pdf", "application/pdf");

        var mixed = await SendWithAsync(nurse, care, null, pdf.Id, photo.Id);
        var onlyFile = await SendWithAsync(nurse, care, "   ", lone.Id);
        var text = await nurse.SendAsync(care, "Sudah dikirim");

        Assert.Equal((MessageKinds.File, (string?)null, 2), (mixed.Kind, mixed.Text, mixed.Attachments.Count));
        Assert.Equal((MessageKinds.File, (string?)null), (onlyFile.Kind, onlyFile.Text));
        Assert.Equal(MessageKinds.Text, text.Kind);
        Assert.Empty(text.Attachments);
        Assert.Equal(HttpStatusCode.OK, (await patient.GetAttachmentAsync(pdf.Id)).StatusCode);
    }

    [Fact]
    public async Task CareAndSupportSendsCarryAttachmentsAndTheirShapesShowThem()
    {
        var patient = await app.RegisterPatientAsync();
        var nurse = await app.CreateStaffAsync("nurse");
        var admin = await app.AdminAsync();
        var assigned = await admin.Http.PutAsJsonAsync($"/api/v1/admin/patients/{patient.Id}/nurse", new { nurseId = nurse.Id }, Ct);
        await assigned.EnsureSuccessAsync();
        var care = (await assigned.Content.ReadFromJsonAsync<CareAssignmentDto>(Ct))!.ConversationId;
        var pdf = await patient.UploadAsync(care, AttachmentTestKit.Pdf(), "rujukan.pdf", "application/pdf");
        var response = await patient.Http.PostAsJsonAsync("/api/v1/care/messages", new { clientMessageId = "care-1", attachmentIds = new[] { pdf.Id } }, Ct);
        await response.EnsureSuccessAsync();
        var sent = (await response.Content.ReadFromJsonAsync<MessageDto>(Ct))!;
        Assert.Equal([Expected(pdf)], sent.Attachments);

        var patients = (await nurse.Http.GetFromJsonAsync<List<CarePatientDto>>("/api/v1/care/patients", Ct))!;
        Assert.Equal([Expected(pdf)], Assert.Single(patients, p => p.ConversationId == care).LastMessage!.Attachments);

        var user = await app.RegisterPatientAsync();
        var room = await user.OpenSupportRoomAsync();
        var screenshot = await user.UploadAsync(room.Id, AttachmentTestKit.Png(), "error.png", "image/png");
        var toDesk = await user.Http.PostAsJsonAsync("/api/v1/support/messages",
            new { clientMessageId = "desk-1", text = "Layarnya begini", attachmentIds = new[] { screenshot.Id } }, Ct);
        await toDesk.EnsureSuccessAsync();
        var deskMessage = (await toDesk.Content.ReadFromJsonAsync<MessageDto>(Ct))!;
        Assert.Equal((MessageKinds.Image, 1), (deskMessage.Kind, deskMessage.Attachments.Count));

        var roomJson = await admin.Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/support/rooms/{room.Id}", Ct);
        var attachments = roomJson.GetProperty("lastMessage").GetProperty("attachments");
        Assert.Equal(screenshot.Id, attachments[0].GetProperty("id").GetGuid());
        Assert.Equal("error.png", attachments[0].GetProperty("fileName").GetString());
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAttachmentAsync(screenshot.Id)).StatusCode);
    }

    [Fact]
    public async Task TheHubSendsAttachmentsAndMessageCreatedSyncSearchAndLastMessageCarryThem()
    {
        var (patient, nurse, care) = await app.CarePairAsync();
        await using var patientHub = await app.ConnectHubAsync(patient);
        await using var nurseHub = await app.ConnectHubAsync(nurse);
        await nurseHub.InvokeAsync<SubscribeResult>("Subscribe", care);
        var photo = await patient.UploadAsync(care, AttachmentTestKit.Webp(), "luka.webp", "image/webp");
        var word = $"lukaku{Guid.NewGuid():N}"[..20];

        var sent = await patientHub.InvokeAsync<MessageDto>("SendMessageWithAttachments", care, "h-1", $"{word} hari ini", new[] { photo.Id });
        var heard = await nurseHub.NextAsync<MessageDto>("messageCreated");

        Assert.Equal([Expected(photo)], sent.Attachments);
        Assert.Equal(sent, heard);
        Assert.Equal(sent, Assert.Single((await nurseHub.InvokeAsync<MessagePage>("Sync", care, 0L, null)).Messages));
        var search = (await nurse.Http.GetFromJsonAsync<SearchPage>($"/api/v1/search/messages?q={word}", Ct))!;
        Assert.Equal(sent, Assert.Single(search.Messages));
        var conversations = (await nurse.Http.GetFromJsonAsync<List<ConversationDto>>("/api/v1/conversations", Ct))!;
        Assert.Equal(sent, Assert.Single(conversations, c => c.Id == care).LastMessage);
        Assert.Equal(sent, (await nurse.Http.GetFromJsonAsync<ConversationDto>($"/api/v1/conversations/{care}", Ct))!.LastMessage);

        // The three-argument SendMessage is unchanged, and answers an empty list.
        var plain = await patientHub.InvokeAsync<MessageDto>("SendMessage", care, "h-2", "teks saja");
        Assert.Equal((MessageKinds.Text, 0), (plain.Kind, plain.Attachments.Count));
    }

    [Fact]
    public async Task ARetryWithTheSameClientMessageIdReturnsTheOriginalWithItsAttachments()
    {
        var (patient, _, care) = await app.CarePairAsync();
        var pdf = await patient.UploadAsync(care, AttachmentTestKit.Pdf(), "lab.pdf", "application/pdf");
        await using var hub = await app.ConnectHubAsync(patient);

        var first = await PostAsync(patient, care, "hasil lab", [pdf.Id], "retry-1");
        var again = await PostAsync(patient, care, "hasil lab", [pdf.Id], "retry-1");
        var viaHub = await hub.InvokeAsync<MessageDto>("SendMessageWithAttachments", care, "retry-1", "hasil lab", new[] { pdf.Id });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var original = (await first.Content.ReadFromJsonAsync<MessageDto>(Ct))!;
        Assert.Equal(original, await again.Content.ReadFromJsonAsync<MessageDto>(Ct));
        Assert.Equal(original, viaHub);
        Assert.Single(original.Attachments);
        Assert.Single(await app.StoredMessagesAsync(care));
    }

    [Fact]
    public async Task UploadsThatCannotBeSentAreRefusedNamingAttachmentIdsAndNothingIsStored()
    {
        var (patient, nurse, care) = await app.CarePairAsync();
        var (otherPatient, _, otherCare) = await app.CarePairAsync();
        var nurses = await nurse.UploadAsync(care, AttachmentTestKit.Pdf(), "milik perawat.pdf", "application/pdf");
        var elsewhere = await otherPatient.UploadAsync(otherCare, AttachmentTestKit.Pdf(), "lain.pdf", "application/pdf");
        var mine = await patient.UploadAsync(care, AttachmentTestKit.Pdf(), "saya.pdf", "application/pdf");
        var sentAlready = await patient.UploadAsync(care, AttachmentTestKit.Pdf(), "terkirim.pdf", "application/pdf");
        await SendWithAsync(patient, care, null, sentAlready.Id);
        var storedBefore = await app.StoredMessagesAsync(care);

        foreach (var ids in new[] { new[] { nurses.Id }, [mine.Id, elsewhere.Id], [sentAlready.Id], [Guid.NewGuid()] })
        {
            var problem = await (await PostAsync(patient, care, "ini", ids)).AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "attachmentIds");
            Assert.Equal("request.invalid", problem.GetProperty("code").GetString());
        }

        var tooMany = Enumerable.Range(0, 11).Select(_ => mine.Id).ToArray();
        await (await PostAsync(patient, care, "banyak", tooMany)).AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "attachmentIds");
        await (await PostAsync(patient, care, null, [])).AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "text");
        await (await PostAsync(patient, care, "   ", null)).AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "text");
        await using var hub = await app.ConnectHubAsync(patient);
        var error = await Assert.ThrowsAsync<HubInvocationException>(() =>
            hub.InvokeAsync<MessageDto>("SendMessageWithAttachments", care, "hub-bad", "x", new[] { nurses.Id }));
        Assert.StartsWith("[request.invalid] attachmentIds: ", error.Message, StringComparison.Ordinal);

        // Nothing stored and no seq burned: the next good send takes the next seq, and the refused upload is still unsent.
        Assert.Equal(storedBefore, await app.StoredMessagesAsync(care));
        var good = await SendWithAsync(patient, care, null, mine.Id);
        Assert.Equal(storedBefore[^1].Seq + 1, good.Seq);
        Assert.Equal(0, await app.CountAsync("select count(*) from attachments where id = $1 and message_id is not null", ("id", nurses.Id)));
    }

    [Fact]
    public async Task ConcurrentSendsOfOneUploadLinkItOnce()
    {
        var (patient, _, care) = await app.CarePairAsync();
        var pdf = await patient.UploadAsync(care, AttachmentTestKit.Pdf(), "sekali.pdf", "application/pdf");

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => PostAsync(patient, care, $"kirim {i}", [pdf.Id])));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        Assert.Equal([1L], (await app.StoredMessagesAsync(care)).Select(m => m.Seq));
    }

    [Fact]
    public async Task ADeletedMessagesAttachmentsAnswerNotFoundAndLeaveItsShape()
    {
        var (patient, nurse, care) = await app.CarePairAsync();
        var photo = await patient.UploadAsync(care, AttachmentTestKit.Png(), "hapus.png", "image/png");
        var sent = await SendWithAsync(patient, care, "salah kirim", photo.Id);
        Assert.Equal(HttpStatusCode.OK, (await nurse.GetAttachmentAsync(photo.Id)).StatusCode);

        (await patient.Http.DeleteAsync($"/api/v1/messages/{sent.Id}", Ct)).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.NotFound, (await nurse.GetAttachmentAsync(photo.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await patient.GetAttachmentAsync(photo.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await patient.GetAttachmentAsync(photo.Id, "/thumbnail")).StatusCode);
        Assert.Empty(Assert.Single((await nurse.HistoryAsync(care)).Messages).Attachments);
    }
}
