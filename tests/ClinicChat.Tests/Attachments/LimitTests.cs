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

        // 256 MB, chunked so that no Content-Length warns the server: buffering it would take the server's memory.
        var (status, body, sent) = await EndlessUploadAsync(patient, care, 256L * 1024 * 1024);

        Assert.Equal(413, status);
        Assert.Contains("\"file\"", body, StringComparison.Ordinal);
        // Refused near the limit, not after reading everything; socket buffers let some more through.
        Assert.True(sent < 64L * 1024 * 1024, $"The client got to send {sent:N0} bytes.");
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

    /// <summary>
    /// HTTP/1.1 by hand: HttpClient stops at a broken pipe once the server has answered and closed, before it reads
    /// the answer. This one keeps sending chunks until the answer arrives (or the server closes), then reads it.
    /// </summary>
    private async Task<(int Status, string Body, long Sent)> EndlessUploadAsync(TestUser user, Guid conversationId, long length)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(app.BaseAddress.Host, app.BaseAddress.Port, Ct);
        await using var stream = client.GetStream();
        const string boundary = "endless-boundary";
        var head = $"POST /api/v1/conversations/{conversationId}/attachments HTTP/1.1\r\nHost: {app.BaseAddress.Authority}\r\n"
            + $"Authorization: Bearer {user.AccessToken}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
            + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head), Ct);

        var response = new MemoryStream();
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[8192];
            int read;
            try
            {
                while ((read = await stream.ReadAsync(buffer, Ct)) > 0)
                {
                    response.Write(buffer, 0, read);
                }
            }
            catch (IOException)
            {
            }
        }, Ct);

        var preamble = System.Text.Encoding.ASCII.GetBytes(
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"endless.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n");
        var payload = new byte[16 * 1024];
        long sent = 0;
        try
        {
            await WriteChunkAsync(stream, preamble);
            while (sent < length && !reading.IsCompleted && response.Length == 0)
            {
                await WriteChunkAsync(stream, payload);
                sent += payload.Length;
            }
        }
        catch (IOException)
        {
            // The server closed the connection after answering: expected.
        }

        await reading.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var text = System.Text.Encoding.UTF8.GetString(response.ToArray());
        var status = int.Parse(text.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, text, sent);
    }

    private static async Task WriteChunkAsync(Stream stream, byte[] data)
    {
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"), Ct);
        await stream.WriteAsync(data, Ct);
        await stream.WriteAsync("\r\n"u8.ToArray(), Ct);
    }
}
