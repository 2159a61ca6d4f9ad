using System.Net;
using System.Net.Http.Headers;
using ClinicChat.Attachments;
using ClinicChat.Tests.Realtime;
using Microsoft.Extensions.DependencyInjection;

namespace ClinicChat.Tests.Attachments;

/// <summary>What every attachment store must do, run against each of them.</summary>
public abstract class StoreContractTests<TApp>(TApp app) where TApp : AttachmentApp
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected TApp Server => app;

    [Fact]
    public async Task AFileOfSeveralChunksComesBackByteForByte()
    {
        var (patient, nurse, care) = await app.CarePairAsync();
        var bytes = AttachmentTestKit.Pdf(size: (PostgresAttachmentStore.ChunkSize * 2) + 12_345);
        var uploaded = await patient.UploadAsync(care, bytes, "big.pdf", "application/pdf");
        await app.LinkAsync(uploaded.Id, (await patient.SendAsync(care, "besar")).Id);

        var downloaded = await nurse.DownloadAsync(uploaded.Id);

        Assert.Equal(bytes.Length, uploaded.Size);
        Assert.Equal(bytes, downloaded);
        Assert.Equal(AttachmentTestKit.Sha256(bytes), uploaded.Sha256);
    }

    [Fact]
    public async Task RangesAcrossChunkBoundariesAreExact()
    {
        var (patient, _, care) = await app.CarePairAsync();
        var bytes = AttachmentTestKit.Pdf(size: (PostgresAttachmentStore.ChunkSize * 2) + 100);
        var uploaded = await patient.UploadAsync(care, bytes, "ranges.pdf", "application/pdf");
        const int boundary = PostgresAttachmentStore.ChunkSize;

        foreach (var (from, to) in new (long, long)[] { (boundary - 10, boundary + 9), (0, boundary * 2L + 50), (boundary * 2L, boundary * 2L + 99), (5, 5) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/attachments/{uploaded.Id}") { Headers = { Range = new RangeHeaderValue(from, to) } };
            var response = await patient.Http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
            Assert.Equal(bytes[(int)from..((int)to + 1)], await response.Content.ReadAsByteArrayAsync(Ct));
        }
    }

    [Fact]
    public async Task AnImageAndItsPreviewAreBothStored()
    {
        var (patient, _, care) = await app.CarePairAsync();
        var uploaded = await patient.UploadAsync(care, AttachmentTestKit.Png(width: 800, height: 600), "photo.png", "image/png");

        var file = await patient.DownloadAsync(uploaded.Id);
        var preview = await patient.DownloadAsync(uploaded.Id, "/thumbnail");

        Assert.Equal(uploaded.Size, file.Length);
        Assert.Equal(0xFF, preview[0]);
        Assert.Equal(0xD8, preview[1]);
        Assert.True(preview.Length < file.Length);
    }

    [Fact]
    public async Task DeletingAnAttachmentRemovesEveryStoredPart()
    {
        var (patient, _, care) = await app.CarePairAsync();
        var uploaded = await patient.UploadAsync(care, AttachmentTestKit.Png(width: 400, height: 300), "gone.png", "image/png");
        var store = app.Services.GetRequiredService<IAttachmentStore>();
        await using (var before = await store.OpenReadAsync(uploaded.Id, AttachmentPart.Thumbnail, 1, Ct))
        {
            Assert.NotNull(before);
        }

        await store.DeleteAsync(uploaded.Id, Ct);
        await store.DeleteAsync(uploaded.Id, Ct);

        Assert.Null(await store.OpenReadAsync(uploaded.Id, AttachmentPart.File, uploaded.Size, Ct));
        Assert.Null(await store.OpenReadAsync(uploaded.Id, AttachmentPart.Thumbnail, 1, Ct));
        Assert.Equal(HttpStatusCode.NotFound, (await patient.GetAttachmentAsync(uploaded.Id)).StatusCode);
    }
}

public sealed class PostgresStoreTests(AttachmentApp app) : StoreContractTests<AttachmentApp>(app), IClassFixture<AttachmentApp>
{
    [Fact]
    public async Task TheDefaultStoreKeepsTheBytesInQuarterMegabyteChunks()
    {
        Assert.IsType<PostgresAttachmentStore>(Server.Services.GetRequiredService<IAttachmentStore>());
        var (patient, _, care) = await Server.CarePairAsync();
        var uploaded = await patient.UploadAsync(care, AttachmentTestKit.Pdf(size: PostgresAttachmentStore.ChunkSize + 1), "two.pdf", "application/pdf");

        Assert.Equal(2, await Server.CountAsync("select count(*) from attachment_chunks where attachment_id = $1 and part = 'file'", ("a", uploaded.Id)));
        Assert.Equal(PostgresAttachmentStore.ChunkSize, await Server.CountAsync(
            "select octet_length(data)::bigint from attachment_chunks where attachment_id = $1 and n = 0", ("a", uploaded.Id)));
    }
}

public sealed class FileSystemStoreTests(FileSystemStoreTests.App app) : StoreContractTests<FileSystemStoreTests.App>(app), IClassFixture<FileSystemStoreTests.App>
{
    public sealed class App : AttachmentApp
    {
        public string Folder { get; } = Directory.CreateTempSubdirectory("clinicchat-attachments-").FullName;

        public App()
        {
            Settings["Attachments:Store"] = "filesystem";
            Settings["Attachments:Path"] = Folder;
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Directory.Delete(Folder, recursive: true);
        }
    }

    [Fact]
    public async Task TheFilesystemStoreWritesUnderItsFolderAndNothingIntoTheDatabase()
    {
        Assert.IsType<FileSystemAttachmentStore>(Server.Services.GetRequiredService<IAttachmentStore>());
        var (patient, _, care) = await Server.CarePairAsync();
        var uploaded = await patient.UploadAsync(care, AttachmentTestKit.Png(width: 400, height: 300), "../../outside.png", "image/png");

        var files = Directory.GetFiles(Server.Folder, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.Contains(uploaded.Id.ToString("N"), files);
        Assert.Contains(uploaded.Id.ToString("N") + ".thumbnail", files);
        Assert.DoesNotContain(files, f => f!.Contains("outside", StringComparison.Ordinal) || f.EndsWith(".partial", StringComparison.Ordinal));
        Assert.Equal(0, await Server.CountAsync("select count(*) from attachment_chunks"));
    }
}
