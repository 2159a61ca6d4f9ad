using System.Net;
using System.Net.Http.Json;
using System.Text;
using ClinicChat.Tests.Consultations;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;
using ClinicChat.Tests.Support;
using SixLabors.ImageSharp;

namespace ClinicChat.Tests.Attachments;

/// <summary>Uploading into each kind of conversation, and every way an upload is refused.</summary>
public sealed class UploadTests(AttachmentApp app) : IClassFixture<AttachmentApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MembersUploadIntoConsultationCareAndSupportConversations()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var consultation = await app.ActiveConsultationAsync(patient, doctor);
        var (carePatient, nurse, care) = await app.CarePairAsync();
        var room = await patient.OpenSupportRoomAsync();
        var admin = await app.AdminAsync();

        var pdf = AttachmentTestKit.Pdf();
        var fromPatient = await patient.UploadAsync(consultation.ConversationId!.Value, pdf, "hasil lab.pdf", "application/pdf");
        var fromDoctor = await doctor.UploadAsync(consultation.ConversationId!.Value, AttachmentTestKit.JpegWithGps(), "resep.jpg", "image/jpeg");
        var fromNurse = await nurse.UploadAsync(care, AttachmentTestKit.Png(), "luka.png", "image/png");
        var fromCarePatient = await carePatient.UploadAsync(care, AttachmentTestKit.Webp(), "foto.webp", "image/webp");
        var toSupport = await patient.UploadAsync(room.Id, AttachmentTestKit.AnimatedGif(), "layar.gif", "image/gif");
        var fromAdmin = await admin.UploadAsync(room.Id, pdf, "panduan.pdf", "application/pdf");

        Assert.Equal(("application/pdf", "hasil lab.pdf", pdf.Length, (int?)null, (int?)null),
            (fromPatient.ContentType, fromPatient.FileName, (int)fromPatient.Size, fromPatient.Width, fromPatient.Height));
        Assert.Equal(AttachmentTestKit.Sha256(pdf), fromPatient.Sha256);
        Assert.Equal(("image/jpeg", 48, 64), (fromDoctor.ContentType, fromDoctor.Width, fromDoctor.Height));
        Assert.Equal(("image/png", 40, 30), (fromNurse.ContentType, fromNurse.Width, fromNurse.Height));
        Assert.Equal(("image/webp", 30, 20), (fromCarePatient.ContentType, fromCarePatient.Width, fromCarePatient.Height));
        Assert.Equal(("image/gif", 16, 16), (toSupport.ContentType, toSupport.Width, toSupport.Height));
        Assert.Equal("application/pdf", fromAdmin.ContentType);
        Assert.Equal(6, await app.CountAsync("select count(*) from attachments where id = any($1) and stored and message_id is null",
            ("ids", new[] { fromPatient.Id, fromDoctor.Id, fromNurse.Id, fromCarePatient.Id, toSupport.Id, fromAdmin.Id })));
    }

    [Fact]
    public async Task TheTypeComesFromTheBytesNotTheNameOrTheDeclaredType()
    {
        var (patient, _, care) = await app.CarePairAsync();
        var pdf = AttachmentTestKit.Pdf();

        var disguised = await patient.UploadAsync(care, pdf, "holiday.png", "image/png");

        Assert.Equal("application/pdf", disguised.ContentType);
        Assert.Equal("holiday.png.pdf", disguised.FileName);
        Assert.Null(disguised.Width);
        Assert.Equal(pdf, await patient.DownloadAsync(disguised.Id));
    }

    [Theory]
    [InlineData("report.pdf", "application/pdf", "<!DOCTYPE html><html><script>alert(1)</script></html>")]
    [InlineData("photo.jpg", "image/jpeg", "<html><body onload=alert(1)></body></html>")]
    [InlineData("looks.pdf", "application/pdf", "<html><script>alert(1)</script>\n%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n")]
    [InlineData("setup.pdf", "application/pdf", "MZ\u0090\0\u0003\0\0\0This program cannot be run in DOS mode")]
    [InlineData("notes.txt", "text/plain", "just some words")]
    [InlineData("archive.pdf", "application/pdf", "PK\u0003\u0004\u0014\0\0\0\0\0payload.pdf")]
    [InlineData("cut.pdf", "application/pdf", "%PDF-1.4\n1 0 obj << >> endobj\n(no end of file marker)")]
    public async Task FilesThatAreNotReallyAnAcceptedTypeAreRefusedNamingTheField(string name, string declared, string content)
    {
        var (patient, _, care) = await app.CarePairAsync();

        var response = await patient.PostFileAsync(care, Encoding.Latin1.GetBytes(content), name, declared);

        await response.AssertFieldErrorsAsync(HttpStatusCode.UnsupportedMediaType, "file");
        Assert.Equal(0, await app.CountAsync("select count(*) from attachments where uploader_id = $1", ("u", patient.Id)));
    }

    [Fact]
    public async Task AnImageThatDoesNotDecodeAsWhatItStartsLikeIsRefused()
    {
        var (patient, _, care) = await app.CarePairAsync();
        var fake = new byte[4000];
        new Random(7).NextBytes(fake);
        fake[0] = 0xFF;
        fake[1] = 0xD8;
        fake[2] = 0xFF;

        var response = await patient.PostFileAsync(care, fake, "scan.jpg", "image/jpeg");

        var problem = await response.AssertFieldErrorsAsync(HttpStatusCode.UnsupportedMediaType, "file");
        Assert.Contains("does not decode", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeicPhotosAreRefusedWithAdviceToSendJpeg()
    {
        var (patient, _, care) = await app.CarePairAsync();

        var response = await patient.PostFileAsync(care, AttachmentTestKit.Heic(), "IMG_0001.HEIC", "image/heic");

        var problem = await response.AssertFieldErrorsAsync(HttpStatusCode.UnsupportedMediaType, "file");
        Assert.Contains("JPEG", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnImageDeclaringAHugeCanvasIsRefusedBeforeItIsDecoded()
    {
        var (patient, _, care) = await app.CarePairAsync();

        var response = await patient.PostFileAsync(care, AttachmentTestKit.PngDeclaring(60_000, 60_000), "bomb.png", "image/png");

        var problem = await response.AssertFieldErrorsAsync(HttpStatusCode.UnsupportedMediaType, "file");
        Assert.Contains("60000x60000", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("C:\\Users\\pasien\\Documents\\hasil.pdf", "hasil.pdf")]
    [InlineData("../../etc/passwd", "passwd.pdf")]
    [InlineData("invoice\u202Efdp.exe", "invoicefdp.exe.pdf")]
    [InlineData("Résumé 検査結果 ✓.pdf", "Résumé 検査結果 ✓.pdf")]
    [InlineData("...", "file.pdf")]
    [InlineData("a<b>c:d|e?.PDF", "a_b_c_d_e_.pdf")]
    public async Task FileNamesAreCleanedAndEndInTheRealExtension(string sent, string stored)
    {
        var (patient, _, care) = await app.CarePairAsync();

        var uploaded = await patient.UploadAsync(care, AttachmentTestKit.Pdf(), sent, "application/pdf");

        Assert.Equal(stored, uploaded.FileName);
    }

    [Theory]
    [InlineData("bell\u0007\ttab  new.pdf", "bell tab new.pdf")]
    [InlineData("Résumé 検査結果.pdf", "Résumé 検査結果.pdf")]
    [InlineData("C:\\fakepath\\scan.pdf", "scan.pdf")]
    public async Task FileNamesSentRawAsBrowsersDoAreCleanedToo(string sent, string stored)
    {
        var (patient, _, care) = await app.CarePairAsync();

        var response = await patient.Http.PostAsync($"/api/v1/conversations/{care}/attachments", AttachmentTestKit.RawFileForm(sent, AttachmentTestKit.Pdf()), Ct);
        await response.EnsureSuccessAsync();

        Assert.Equal(stored, (await response.Content.ReadFromJsonAsync<AttachmentResponse>(Ct))!.FileName);
    }

    [Fact]
    public async Task AVeryLongFileNameIsShortenedKeepingItsExtension()
    {
        var (patient, _, care) = await app.CarePairAsync();

        var uploaded = await patient.UploadAsync(care, AttachmentTestKit.Pdf(), new string('ü', 400) + ".pdf", "application/pdf");

        Assert.True(uploaded.FileName.Length <= 150, uploaded.FileName);
        Assert.EndsWith("üü.pdf", uploaded.FileName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnlyMembersWhoMayWriteCanUpload()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var consultation = await app.ActiveConsultationAsync(patient, doctor);
        var outsider = await app.RegisterPatientAsync();
        var admin = await app.AdminAsync();
        var pdf = AttachmentTestKit.Pdf();

        await (await outsider.PostFileAsync(consultation.ConversationId!.Value, pdf, "x.pdf")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostFileAsync(consultation.ConversationId!.Value, pdf, "x.pdf")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await patient.PostFileAsync(Guid.NewGuid(), pdf, "x.pdf")).AssertProblemAsync(HttpStatusCode.NotFound);
        var anonymous = await app.CreateAnonymousClient().PostAsync(
            $"/api/v1/conversations/{consultation.ConversationId}/attachments", AttachmentTestKit.FileForm(pdf, "x.pdf", "application/pdf"), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(0, await app.CountAsync("select count(*) from attachments where conversation_id = $1", ("c", consultation.ConversationId!.Value)));
    }

    [Fact]
    public async Task ACompletedConsultationAcceptsNoMoreUploads()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var consultation = await app.ActiveConsultationAsync(patient, doctor);

        app.Clock.Advance(ConsultationApp.Duration);
        await app.RunDueAsync();
        var fresh = await app.FreshAsync(patient);
        var response = await fresh.PostFileAsync(consultation.ConversationId!.Value, AttachmentTestKit.Pdf(), "late.pdf", "application/pdf");

        var problem = await response.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("completed", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestWithoutAFilePartIsRefusedNamingTheField()
    {
        var (patient, _, care) = await app.CarePairAsync();
        var path = $"/api/v1/conversations/{care}/attachments";

        var noFile = await patient.Http.PostAsync(path, new MultipartFormDataContent { { new StringContent("hello"), "note" } }, Ct);
        var json = await patient.Http.PostAsync(path, new StringContent("{\"file\":\"aGVsbG8=\"}", Encoding.UTF8, "application/json"), Ct);
        var empty = await patient.PostFileAsync(care, [], "empty.pdf", "application/pdf");
        var two = await patient.Http.PostAsync(path, new MultipartFormDataContent
        {
            { new ByteArrayContent(AttachmentTestKit.Pdf()), "file", "a.pdf" },
            { new ByteArrayContent(AttachmentTestKit.Pdf()), "file", "b.pdf" },
        }, Ct);

        await noFile.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "file");
        await json.AssertFieldErrorsAsync(HttpStatusCode.UnsupportedMediaType, "file");
        await empty.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "file");
        await two.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "file");
    }

    [Fact]
    public async Task AnimatedGifsKeepTheirFrames()
    {
        var (patient, _, care) = await app.CarePairAsync();

        var uploaded = await patient.UploadAsync(care, AttachmentTestKit.AnimatedGif(frames: 3), "wave.gif", "image/gif");

        using var stored = Image.Load(await patient.DownloadAsync(uploaded.Id));
        Assert.Equal(3, stored.Frames.Count);
    }
}
