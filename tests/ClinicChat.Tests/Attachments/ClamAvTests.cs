using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;

namespace ClinicChat.Tests.Attachments;

/// <summary>
/// A throwaway clamd (Debian's clamav-daemon) in the foreground on a free loopback port, with its own configuration
/// and a signature database of one signature: the EICAR test file's. No signature download is involved.
/// </summary>
public sealed class Clamd : IAsyncDisposable
{
    private readonly string _folder;
    private readonly Process _process;

    private Clamd(string folder, Process process, int port)
    {
        _folder = folder;
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static string? Executable =>
        new[] { "/usr/sbin/clamd", "/usr/bin/clamd", "/usr/local/sbin/clamd" }.FirstOrDefault(File.Exists);

    public static bool IsRoot => Environment.UserName == "root";

    public static async Task<Clamd> StartAsync()
    {
        var executable = Executable ?? throw new InvalidOperationException("clamd is not installed (apt-get install clamav-daemon).");
        var folder = Directory.CreateTempSubdirectory("clinicchat-clamd-").FullName;
        var database = Directory.CreateDirectory(Path.Combine(folder, "db")).FullName;
        // Extended (.ndb) format: name, target type 0 (any file), offset * (anywhere), the bytes in hex.
        await File.WriteAllTextAsync(Path.Combine(database, "eicar.ndb"),
            $"Eicar-Test-Signature:0:*:{Convert.ToHexStringLower(Encoding.ASCII.GetBytes(AttachmentTestKit.Eicar))}\n");
        var port = FreePort();
        var config = Path.Combine(folder, "clamd.conf");
        await File.WriteAllTextAsync(config, $"""
            # Foreground, TCP on loopback only (no LocalSocket), and nothing of the system's clamd configuration.
            Foreground yes
            TCPSocket {port}
            TCPAddr 127.0.0.1
            DatabaseDirectory {database}
            LogFile {Path.Combine(folder, "clamd.log")}
            PidFile {Path.Combine(folder, "clamd.pid")}
            StreamMaxLength 30M
            MaxThreads 2
            SelfCheck 3600

            """);
        var process = Process.Start(new ProcessStartInfo(executable, ["--config-file=" + config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var clamd = new Clamd(folder, process, port);
        try
        {
            await clamd.WaitUntilReadyAsync();
        }
        catch
        {
            await clamd.DisposeAsync();
            throw;
        }

        return clamd;
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"clamd exited with {_process.ExitCode}: {ReadLog()}");
            }

            try
            {
                using var client = new TcpClient();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
                await using var stream = client.GetStream();
                await stream.WriteAsync("zPING\0"u8.ToArray(), timeout.Token);
                var reply = new byte[16];
                var read = await stream.ReadAsync(reply, timeout.Token);
                if (Encoding.ASCII.GetString(reply, 0, read).StartsWith("PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"clamd did not answer PING within 60 s: {ReadLog()}");
            }

            await Task.Delay(100);
        }
    }

    private string ReadLog()
    {
        var log = Path.Combine(_folder, "clamd.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(no log)";
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>Uploads scanned by a real clamd: clean files pass, the EICAR test file is refused and not stored.</summary>
public sealed class ClamAvTests(ClamAvTests.App app) : IClassFixture<ClamAvTests.App>
{
    public sealed class App : AttachmentApp
    {
        public Clamd? Clamd { get; private set; }

        public string? SkipReason { get; private set; }

        public override async ValueTask InitializeAsync()
        {
            // As root (under ./test, which installs clamav-daemon) a missing clamd fails the tests; elsewhere they are skipped.
            if (Clamd.Executable is null && !Clamd.IsRoot)
            {
                SkipReason = "clamd is not installed (apt-get install clamav-daemon, or run ./test as root)";
            }
            else
            {
                Clamd = await Clamd.StartAsync();
                Settings["Attachments:ClamAv"] = $"127.0.0.1:{Clamd.Port}";
            }

            await base.InitializeAsync();
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            if (Clamd is not null)
            {
                await Clamd.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ACleanFileIsScannedAndStored()
    {
        Assert.SkipWhen(app.SkipReason is not null, app.SkipReason ?? "");
        var (patient, _, care) = await app.CarePairAsync();

        var pdf = await patient.UploadAsync(care, AttachmentTestKit.Pdf(size: 300_000), "bersih.pdf", "application/pdf");
        var photo = await patient.UploadAsync(care, AttachmentTestKit.JpegWithGps(), "bersih.jpg", "image/jpeg");

        Assert.Equal(300_000, pdf.Size);
        Assert.Equal("image/jpeg", photo.ContentType);
    }

    [Fact]
    public async Task TheEicarTestFileIsRefusedAs422NamingTheFieldAndNotStored()
    {
        Assert.SkipWhen(app.SkipReason is not null, app.SkipReason ?? "");
        var (patient, _, care) = await app.CarePairAsync();
        var infected = Encoding.ASCII.GetBytes($"%PDF-1.4\n{AttachmentTestKit.Eicar}\n%%EOF\n");
        // Appended to a real photo too: what re-encoding would remove is still scanned as sent.
        var infectedPhoto = AttachmentTestKit.JpegWithGps().Concat(Encoding.ASCII.GetBytes(AttachmentTestKit.Eicar)).ToArray();

        var pdf = await patient.PostFileAsync(care, infected, "eicar.pdf", "application/pdf");
        var photo = await patient.PostFileAsync(care, infectedPhoto, "eicar.jpg", "image/jpeg");

        var problem = await pdf.AssertFieldErrorsAsync(HttpStatusCode.UnprocessableEntity, "file");
        Assert.Contains("Eicar-Test-Signature", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await photo.AssertFieldErrorsAsync(HttpStatusCode.UnprocessableEntity, "file");
        Assert.Equal(0, await app.CountAsync("select count(*) from attachments where uploader_id = $1", ("u", patient.Id)));
    }
}

/// <summary>With a scanner configured but not reachable, nothing is accepted unscanned.</summary>
public sealed class UnreachableScannerTests(UnreachableScannerTests.App app) : IClassFixture<UnreachableScannerTests.App>
{
    public sealed class App : AttachmentApp
    {
        public App()
        {
            Settings["Attachments:ClamAv"] = $"127.0.0.1:{Clamd.FreePort()}";
            Settings["Attachments:ClamAvTimeout"] = "00:00:05";
        }
    }

    [Fact]
    public async Task AnUploadIsRefusedWith503AndNothingIsStored()
    {
        var (patient, _, care) = await app.CarePairAsync();

        var response = await patient.PostFileAsync(care, AttachmentTestKit.Pdf(), "x.pdf", "application/pdf");

        await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.True(response.Headers.RetryAfter is not null);
        Assert.Equal(0, await app.CountAsync("select count(*) from attachments"));
        Assert.Equal(0, await app.CountAsync("select count(*) from attachment_chunks"));
    }
}
