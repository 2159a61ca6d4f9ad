using System.Net;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;

namespace ClinicChat.Tests.Attachments;

/// <summary>The size limit, enforced while the body streams in, and the per-user quota.</summary>
public sealed class LimitTests(LimitTests.App app) : IClassFixture<LimitTests.App>
{
    public const int MaxBytes = 100_000;
    public const int Quota = 250_000;

    public sealed class App : AttachmentApp
    {
        public App()
        {
            Settings["Attachments:MaxBytes"] = MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Settings["Attachments:QuotaBytesPerUser"] = Quota.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AFileOfExactlyTheLimitIsAccepted()
    {
        var (patient, _, care) = await app.CarePairAsync();

        var uploaded = await patient.UploadAsync(care, AttachmentTestKit.Pdf(size: MaxBytes), "max.pdf", "application/pdf");

        Assert.Equal(MaxBytes, uploaded.Size);
    }

    [Fact]
    public async Task AFileOneByteOverTheLimitIsRefusedNamingTheField()
    {
        var (patient, _, care) = await app.CarePairAsync();

        var response = await patient.PostFileAsync(care, AttachmentTestKit.Pdf(size: MaxBytes + 1), "big.pdf", "application/pdf");

        await response.AssertFieldErrorsAsync(HttpStatusCode.RequestEntityTooLarge, "file");
        Assert.Equal(0, await app.CountAsync("select count(*) from attachments where uploader_id = $1", ("u", patient.Id)));
    }

    [Fact]
    public async Task AnEndlessUploadOfUnknownLengthIsRefusedWhileItStreams()
    {
        var (patient, _, care) = await app.CarePairAsync();
        // 256 MB that would take the server's memory if it buffered the body; chunked, so no Content-Length warns it.
        var endless = new CountingContent(256L * 1024 * 1024);
        var form = new MultipartFormDataContent { { endless, "file", "endless.pdf" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/conversations/{care}/attachments") { Content = form };
        request.Headers.TransferEncodingChunked = true;

        var response = await patient.Http.SendAsync(request, Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.RequestEntityTooLarge, "file");
        // Refused near the limit, not after reading (or buffering) everything; socket buffers let some more through.
        Assert.True(endless.Produced < 64L * 1024 * 1024, $"The client got to send {endless.Produced:N0} bytes.");
        Assert.Equal(0, await app.CountAsync("select count(*) from attachments where uploader_id = $1", ("u", patient.Id)));
    }

    [Fact]
    public async Task UploadsBeyondTheUsersQuotaAreRefusedWithAClearMessage()
    {
        var (patient, _, care) = await app.CarePairAsync();
        var file = AttachmentTestKit.Pdf(size: 90_000);
        await patient.UploadAsync(care, file, "1.pdf", "application/pdf");
        await patient.UploadAsync(care, file, "2.pdf", "application/pdf");

        var third = await patient.PostFileAsync(care, file, "3.pdf", "application/pdf");

        var problem = await third.AssertFieldErrorsAsync(HttpStatusCode.RequestEntityTooLarge, "file");
        Assert.Contains("quota", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, await app.CountAsync("select count(*) from attachments where uploader_id = $1", ("u", patient.Id)));
        // The quota is per user: someone else still has all of theirs.
        var (other, _, otherCare) = await app.CarePairAsync();
        Assert.Equal(90_000, (await other.UploadAsync(otherCare, file, "other.pdf", "application/pdf")).Size);
    }

    /// <summary>A PDF-looking body that goes on for <paramref name="length"/> bytes, produced as it is sent, counting what was taken.</summary>
    private sealed class CountingContent(long length) : HttpContent
    {
        public long Produced;

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context, CancellationToken cancellationToken)
        {
            var chunk = new byte[16 * 1024];
            "%PDF-1.4\n"u8.CopyTo(chunk);
            while (Produced < length)
            {
                await stream.WriteAsync(chunk, cancellationToken);
                Interlocked.Add(ref Produced, chunk.Length);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
