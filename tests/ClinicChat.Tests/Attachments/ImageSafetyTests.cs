using System.Text;
using ClinicChat.Tests.Realtime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ClinicChat.Tests.Attachments;

/// <summary>What re-encoding on upload removes: location and camera data, text, and anything riding along.</summary>
public sealed class ImageSafetyTests(AttachmentApp app) : IClassFixture<AttachmentApp>
{
    [Fact]
    public async Task ExifGpsAndCameraDataAreGoneAndTheOrientationIsAppliedToThePixels()
    {
        var (patient, _, care) = await app.CarePairAsync();
        var original = AttachmentTestKit.JpegWithGps(width: 64, height: 48, orientation: 6);
        using (var sent = Image.Load(original))
        {
            // The test image really carries what must be removed.
            Assert.NotNull(sent.Metadata.ExifProfile?.GetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.GPSLatitude));
        }

        Assert.True(original.Contains("SecretCam-Maker"));

        var uploaded = await patient.UploadAsync(care, original, "wound.jpg", "image/jpeg");
        var stored = await patient.DownloadAsync(uploaded.Id);

        Assert.False(stored.Contains("SecretCam-Maker"));
        Assert.False(stored.Contains("SecretCam-Model-X"));
        Assert.False(stored.Contains("Exif\0\0"));
        using var image = Image.Load(stored);
        Assert.Null(image.Metadata.ExifProfile);
        Assert.Null(image.Metadata.XmpProfile);
        Assert.Null(image.Metadata.IptcProfile);
        // Orientation 6 is a quarter turn: the stored pixels are upright, so width and height swap.
        Assert.Equal((48, 64), (image.Width, image.Height));
        Assert.Equal((48, 64), (uploaded.Width!.Value, uploaded.Height!.Value));
        Assert.Equal(AttachmentTestKit.Sha256(stored), uploaded.Sha256);
        Assert.Equal(stored.Length, uploaded.Size);
    }

    [Fact]
    public async Task APolyglotJpegIsReEncodedWithTheAppendedFileGone()
    {
        var (patient, _, care) = await app.CarePairAsync();
        var jpeg = AttachmentTestKit.JpegWithGps(orientation: 1);
        var zip = "PK\u0003\u0004\u0014\0\0\0\0\0SECRET-ZIP-PAYLOAD<script>alert(1)</script>PK\u0005\u0006"u8.ToArray();
        var pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj << /JS (app.alert(1)) >> endobj\nSECRET-PDF-PAYLOAD\n%%EOF\n");
        var polyglot = jpeg.Concat(zip).Concat(pdf).ToArray();

        var uploaded = await patient.UploadAsync(care, polyglot, "innocent.jpg", "image/jpeg");
        var stored = await patient.DownloadAsync(uploaded.Id);

        Assert.Equal("image/jpeg", uploaded.ContentType);
        Assert.NotEqual(polyglot, stored);
        Assert.False(stored.Contains("SECRET-ZIP-PAYLOAD"));
        Assert.False(stored.Contains("SECRET-PDF-PAYLOAD"));
        Assert.False(stored.Contains("%PDF"));
        Assert.Equal(0xD9, stored[^1]);
        Assert.Equal(0xFF, stored[^2]);
        using var image = Image.Load<Rgba32>(stored);
        Assert.Equal((64, 48), (image.Width, image.Height));
    }

    [Fact]
    public async Task PngTextChunksAreGone()
    {
        var (patient, _, care) = await app.CarePairAsync();
        var png = AttachmentTestKit.Png(text: "Patient: Siti, DOB 1990-01-01, SECRET-PNG-TEXT");
        Assert.True(png.Contains("SECRET-PNG-TEXT"));

        var uploaded = await patient.UploadAsync(care, png, "chart.png", "image/png");
        var stored = await patient.DownloadAsync(uploaded.Id);

        Assert.False(stored.Contains("SECRET-PNG-TEXT"));
        using var image = Image.Load(stored);
        Assert.Empty(image.Metadata.GetPngMetadata().TextData);
    }

    [Fact]
    public async Task TheThumbnailIsAJpegAtMost320PixelsOnItsLongSide()
    {
        var (patient, _, care) = await app.CarePairAsync();

        var large = await patient.UploadAsync(care, AttachmentTestKit.Png(width: 1000, height: 500), "wide.png", "image/png");
        var small = await patient.UploadAsync(care, AttachmentTestKit.Png(width: 40, height: 30), "small.png", "image/png");

        using var largePreview = Image.Load(await patient.DownloadAsync(large.Id, "/thumbnail"), out var format);
        Assert.Equal("image/jpeg", format.DefaultMimeType);
        Assert.Equal((320, 160), (largePreview.Width, largePreview.Height));
        using var smallPreview = Image.Load(await patient.DownloadAsync(small.Id, "/thumbnail"));
        Assert.Equal((40, 30), (smallPreview.Width, smallPreview.Height));
    }
}
