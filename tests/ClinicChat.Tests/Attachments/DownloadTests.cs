using System.Net;
using System.Net.Http.Headers;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;
using ClinicChat.Tests.Support;

namespace ClinicChat.Tests.Attachments;

/// <summary>Who may read an attachment and its preview, how it is served, and what the audit log records.</summary>
public sealed class DownloadTests(AttachmentApp app) : IClassFixture<AttachmentApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task AssertReadableAsync(TestUser user, Guid id, bool file, bool thumbnail)
    {
        Assert.True((file ? HttpStatusCode.OK : HttpStatusCode.NotFound) == (await user.GetAttachmentAsync(id)).StatusCode, $"{user.Role} file");
        Assert.True((thumbnail ? HttpStatusCode.OK : HttpStatusCode.NotFound) == (await user.GetAttachmentAsync(id, "/thumbnail")).StatusCode, $"{user.Role} thumbnail");
    }

    [Fact]
    public async Task InAConsultationOnlyItsMembersReadASentAttachmentAndAdminsDoNot()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var conversation = (await app.ActiveConsultationAsync(patient, doctor)).ConversationId!.Value;
        var outsider = await app.RegisterPatientAsync();
        var otherDoctor = await app.CreateDoctorAsync();
        var admin = await app.AdminAsync();
        var photo = await patient.UploadAsync(conversation, AttachmentTestKit.JpegWithGps(), "ruam.jpg", "image/jpeg");

        // Not sent yet: the uploader's alone.
        await AssertReadableAsync(patient, photo.Id, file: true, thumbnail: true);
        await AssertReadableAsync(doctor, photo.Id, file: false, thumbnail: false);

        var message = await patient.SendAsync(conversation, "Foto ruamnya, dok");
        await app.LinkAsync(photo.Id, message.Id);

        await AssertReadableAsync(patient, photo.Id, file: true, thumbnail: true);
        await AssertReadableAsync(doctor, photo.Id, file: true, thumbnail: true);
        await AssertReadableAsync(outsider, photo.Id, file: false, thumbnail: false);
        await AssertReadableAsync(otherDoctor, photo.Id, file: false, thumbnail: false);
        await AssertReadableAsync(admin, photo.Id, file: false, thumbnail: false);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateAnonymousClient().GetAsync($"/api/v1/attachments/{photo.Id}", Ct)).StatusCode);
        await (await doctor.GetAttachmentAsync(Guid.NewGuid())).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task InACareChatOnlyThePairReadsIt()
    {
        var (patient, nurse, care) = await app.CarePairAsync();
        var otherNurse = await app.CreateStaffAsync("nurse");
        var admin = await app.AdminAsync();
        var pdf = await nurse.UploadAsync(care, AttachmentTestKit.Pdf(), "jadwal obat.pdf", "application/pdf");
        await app.LinkAsync(pdf.Id, (await nurse.SendAsync(care, "Jadwal obat")).Id);

        await AssertReadableAsync(patient, pdf.Id, file: true, thumbnail: false);
        await AssertReadableAsync(nurse, pdf.Id, file: true, thumbnail: false);
        await AssertReadableAsync(otherNurse, pdf.Id, file: false, thumbnail: false);
        await AssertReadableAsync(admin, pdf.Id, file: false, thumbnail: false);
    }

    [Fact]
    public async Task AdminsReadSupportRoomAttachmentsAndOtherPatientsDoNot()
    {
        var patient = await app.RegisterPatientAsync();
        var other = await app.RegisterPatientAsync();
        var admin = await app.AdminAsync();
        var room = await patient.OpenSupportRoomAsync();
        var screenshot = await patient.UploadAsync(room.Id, AttachmentTestKit.Png(), "error.png", "image/png");
        var sent = await patient.SendToSupportAsync("Aplikasinya error");
        await app.LinkAsync(screenshot.Id, sent.Id);

        await AssertReadableAsync(admin, screenshot.Id, file: true, thumbnail: true);
        await AssertReadableAsync(other, screenshot.Id, file: false, thumbnail: false);
    }

    [Fact]
    public async Task AnAttachmentOfADeletedMessageIsGone()
    {
        var (patient, nurse, care) = await app.CarePairAsync();
        var photo = await patient.UploadAsync(care, AttachmentTestKit.Png(), "salah kirim.png", "image/png");
        var message = await patient.SendAsync(care, "oops");
        await app.LinkAsync(photo.Id, message.Id);
        await AssertReadableAsync(nurse, photo.Id, file: true, thumbnail: true);

        (await patient.Http.DeleteAsync($"/api/v1/messages/{message.Id}", Ct)).EnsureSuccessStatusCode();

        await AssertReadableAsync(nurse, photo.Id, file: false, thumbnail: false);
        await AssertReadableAsync(patient, photo.Id, file: false, thumbnail: false);
    }

    [Fact]
    public async Task ImagesAreServedInlineAndDocumentsAsDownloadsWithSafeHeaders()
    {
        var (patient, _, care) = await app.CarePairAsync();
        var photo = await patient.UploadAsync(care, AttachmentTestKit.Png(), "Luka hari ke-3 ✓.png", "image/png");
        var pdf = await patient.UploadAsync(care, AttachmentTestKit.Pdf(), "Hasil lab: Résumé.pdf", "text/html");

        var image = await patient.GetAttachmentAsync(photo.Id);
        var document = await patient.GetAttachmentAsync(pdf.Id);

        Assert.Equal("image/png", image.Content.Headers.ContentType!.MediaType);
        Assert.Equal("inline", image.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("Luka hari ke-3 ✓.png", image.Content.Headers.ContentDisposition.FileNameStar);
        Assert.Equal("nosniff", image.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.True(image.Headers.CacheControl!.Private);
        Assert.Equal($"\"{photo.Sha256}\"", image.Headers.ETag!.Tag);
        Assert.Equal("bytes", image.Headers.AcceptRanges.Single());
        Assert.Equal("application/pdf", document.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", document.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("Hasil lab_ Résumé.pdf", document.Content.Headers.ContentDisposition.FileNameStar);
        // The plain filename parameter is the ASCII fallback.
        Assert.DoesNotContain(document.Content.Headers.ContentDisposition.FileName!, c => c > 127);
        Assert.Contains("sandbox", document.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RangesAndConditionalRequestsWork()
    {
        var (patient, _, care) = await app.CarePairAsync();
        var bytes = AttachmentTestKit.Pdf(size: 5_000);
        var pdf = await patient.UploadAsync(care, bytes, "range.pdf", "application/pdf");
        var path = $"/api/v1/attachments/{pdf.Id}";

        using var range = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Range = new RangeHeaderValue(1000, 1999) } };
        var partial = await patient.Http.SendAsync(range, Ct);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("bytes 1000-1999/5000", partial.Content.Headers.ContentRange!.ToString());
        Assert.Equal(bytes[1000..2000], await partial.Content.ReadAsByteArrayAsync(Ct));

        using var suffix = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Range = new RangeHeaderValue(null, 100) } };
        Assert.Equal(bytes[^100..], await (await patient.Http.SendAsync(suffix, Ct)).Content.ReadAsByteArrayAsync(Ct));

        using var conditional = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { IfNoneMatch = { new EntityTagHeaderValue($"\"{pdf.Sha256}\"") } } };
        Assert.Equal(HttpStatusCode.NotModified, (await patient.Http.SendAsync(conditional, Ct)).StatusCode);

        using var stale = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { IfNoneMatch = { new EntityTagHeaderValue("\"something-else\"") } } };
        Assert.Equal(HttpStatusCode.OK, (await patient.Http.SendAsync(stale, Ct)).StatusCode);
    }

    [Fact]
    public async Task ClinicalDownloadsAreAuditedAndSupportDownloadsAreNot()
    {
        var (patient, nurse, care) = await app.CarePairAsync();
        var photo = await patient.UploadAsync(care, AttachmentTestKit.Png(), "luka.png", "image/png");
        await app.LinkAsync(photo.Id, (await patient.SendAsync(care, "foto")).Id);
        var supportUser = await app.RegisterPatientAsync();
        var room = await supportUser.OpenSupportRoomAsync();
        var screenshot = await supportUser.UploadAsync(room.Id, AttachmentTestKit.Png(), "layar.png", "image/png");

        await nurse.DownloadAsync(photo.Id);
        await nurse.DownloadAsync(photo.Id, "/thumbnail");
        await supportUser.DownloadAsync(screenshot.Id);

        const string sql = "select count(*) from audit_log where action = 'attachment.downloaded' and target_type = 'attachment' and target_id = $1 and actor_id = $2";
        Assert.Equal(2, await app.CountAsync(sql, ("t", photo.Id.ToString()), ("a", nurse.Id)));
        Assert.Equal(1, await app.CountAsync(sql + " and detail->>'part' = 'thumbnail' and detail->>'conversationId' = $3",
            ("t", photo.Id.ToString()), ("a", nurse.Id), ("c", care.ToString())));
        Assert.Equal(0, await app.CountAsync("select count(*) from audit_log where target_id = $1", ("t", screenshot.Id.ToString())));
    }

    [Fact]
    public async Task BrowsersMayPassTheAccessTokenInTheQueryOnTheDownloadRoutesOnly()
    {
        var (patient, _, care) = await app.CarePairAsync();
        var photo = await patient.UploadAsync(care, AttachmentTestKit.Png(), "q.png", "image/png");
        var anonymous = app.CreateAnonymousClient();
        var token = Uri.EscapeDataString(patient.AccessToken);

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/v1/attachments/{photo.Id}?access_token={token}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/v1/attachments/{photo.Id}/thumbnail?access_token={token}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/v1/attachments/{photo.Id}?access_token=not-a-token", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync($"/api/v1/conversations/{care}/attachments?access_token={token}",
            AttachmentTestKit.FileForm(AttachmentTestKit.Pdf(), "x.pdf", "application/pdf"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/v1/me?access_token={token}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/v1/conversations/{care}?access_token={token}", Ct)).StatusCode);

        (await patient.Http.PostAsync("/api/v1/auth/logout", null, Ct)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/v1/attachments/{photo.Id}?access_token={token}", Ct)).StatusCode);
    }
}
