using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using ClinicChat.Tests.Consultations;
using ClinicChat.Tests.Infrastructure;
using Npgsql;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace ClinicChat.Tests.Attachments;

/// <summary>The server with every conversation kind at hand (consultations need the simulated payments).</summary>
public class AttachmentApp : ConsultationApp
{
    /// <summary>A count (or any bigint) straight from the database; parameters are positional ($1, $2, ...).</summary>
    public async Task<long> CountAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (_, value) in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Links the upload to a message, as sending it will (done here behind the API's back).</summary>
    public async Task LinkAsync(Guid attachmentId, Guid messageId)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("update attachments set message_id = $1 where id = $2", connection);
        command.Parameters.AddWithValue(messageId);
        command.Parameters.AddWithValue(attachmentId);
        Assert.Equal(1, await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
    }
}

public sealed record AttachmentResponse(Guid Id, string FileName, string ContentType, long Size, int? Width, int? Height, string Sha256);

public static class AttachmentTestKit
{
    public const string Eicar = @"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static Task<HttpResponseMessage> PostFileAsync(this TestUser user, Guid conversationId, byte[] content, string fileName, string contentType = "application/octet-stream") =>
        user.Http.PostAsync($"/api/v1/conversations/{conversationId}/attachments", FileForm(content, fileName, contentType), Ct);

    public static MultipartFormDataContent FileForm(byte[] content, string fileName, string contentType)
    {
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return new MultipartFormDataContent { { file, "file", fileName } };
    }

    /// <summary>The part header as browsers write it: filename="..." in raw UTF-8, no filename*.</summary>
    public static ByteArrayContent RawFileForm(string rawFileName, byte[] content)
    {
        const string boundary = "raw-form-boundary-7d1";
        var head = Encoding.UTF8.GetBytes(
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{rawFileName}\"\r\nContent-Type: application/pdf\r\n\r\n");
        var tail = Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");
        var body = new ByteArrayContent([.. head, .. content, .. tail]);
        body.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={boundary}");
        return body;
    }

    public static async Task<AttachmentResponse> UploadAsync(this TestUser user, Guid conversationId, byte[] content, string fileName, string contentType = "application/octet-stream")
    {
        var response = await user.PostFileAsync(conversationId, content, fileName, contentType);
        await response.EnsureSuccessAsync();
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<AttachmentResponse>(Ct))!;
    }

    public static Task<HttpResponseMessage> GetAttachmentAsync(this TestUser user, Guid attachmentId, string suffix = "") =>
        user.Http.GetAsync($"/api/v1/attachments/{attachmentId}{suffix}", Ct);

    public static async Task<byte[]> DownloadAsync(this TestUser user, Guid attachmentId, string suffix = "")
    {
        var response = await user.GetAttachmentAsync(attachmentId, suffix);
        await response.EnsureSuccessAsync();
        return await response.Content.ReadAsByteArrayAsync(Ct);
    }

    /// <summary>A minimal but complete PDF padded to about <paramref name="size"/> bytes, with <paramref name="marker"/> inside.</summary>
    public static byte[] Pdf(int size = 2_000, string marker = "hasil lab")
    {
        var head = $"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {marker}\n";
        const string tail = "\ntrailer << /Root 1 0 R >>\n%%EOF\n";
        var padding = Math.Max(0, size - head.Length - tail.Length);
        var bytes = new byte[head.Length + padding + tail.Length];
        Encoding.ASCII.GetBytes(head).CopyTo(bytes, 0);
        for (var i = 0; i < padding; i++)
        {
            // Varied bytes so that chunk boundaries and ranges are checked on content, not on a repeated value.
            bytes[head.Length + i] = (byte)('a' + (i * 7 % 26));
        }

        Encoding.ASCII.GetBytes(tail).CopyTo(bytes, head.Length + padding);
        return bytes;
    }

    /// <summary>A JPEG carrying EXIF: camera make, GPS position (Jakarta) and an orientation of 6 (rotate 90 degrees clockwise).</summary>
    public static byte[] JpegWithGps(int width = 64, int height = 48, ushort orientation = 6)
    {
        using var image = new Image<Rgba32>(width, height, new Rgba32(200, 30, 30));
        var exif = new ExifProfile();
        exif.SetValue(ExifTag.Make, "SecretCam-Maker");
        exif.SetValue(ExifTag.Model, "SecretCam-Model-X");
        exif.SetValue(ExifTag.GPSLatitudeRef, "S");
        exif.SetValue(ExifTag.GPSLatitude, [new Rational(6, 1), new Rational(12, 1), new Rational(3456, 100)]);
        exif.SetValue(ExifTag.GPSLongitudeRef, "E");
        exif.SetValue(ExifTag.GPSLongitude, [new Rational(106, 1), new Rational(50, 1), new Rational(1234, 100)]);
        exif.SetValue(ExifTag.Orientation, orientation);
        image.Metadata.ExifProfile = exif;
        using var buffer = new MemoryStream();
        image.SaveAsJpeg(buffer);
        return buffer.ToArray();
    }

    public static byte[] Png(int width = 40, int height = 30, string? text = null)
    {
        using var image = new Image<Rgba32>(width, height, new Rgba32(20, 120, 200, 128));
        if (text is not null)
        {
            image.Metadata.GetPngMetadata().TextData.Add(new PngTextData("Comment", text, "", ""));
        }

        using var buffer = new MemoryStream();
        image.SaveAsPng(buffer);
        return buffer.ToArray();
    }

    public static byte[] Webp(int width = 30, int height = 20)
    {
        using var image = new Image<Rgba32>(width, height, new Rgba32(10, 200, 10));
        using var buffer = new MemoryStream();
        image.SaveAsWebp(buffer);
        return buffer.ToArray();
    }

    public static byte[] AnimatedGif(int frames = 3)
    {
        using var image = new Image<Rgba32>(16, 16, new Rgba32(255, 0, 0));
        for (var i = 1; i < frames; i++)
        {
            using var frame = new Image<Rgba32>(16, 16, new Rgba32(0, (byte)(80 * i), 255));
            image.Frames.AddFrame(frame.Frames.RootFrame);
        }

        using var buffer = new MemoryStream();
        image.SaveAsGif(buffer);
        return buffer.ToArray();
    }

    /// <summary>
    /// A valid PNG header declaring a huge canvas over a few bytes of data: what a decompression bomb looks like to
    /// a decoder that trusts the header.
    /// </summary>
    public static byte[] PngDeclaring(int width, int height)
    {
        using var buffer = new MemoryStream();
        buffer.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // truecolour
        WriteChunk(buffer, "IHDR", header);
        WriteChunk(buffer, "IDAT", [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]);
        WriteChunk(buffer, "IEND", []);
        return buffer.ToArray();
    }

    /// <summary>The first bytes of an iPhone photo: an ISO BMFF ftyp box with the heic brand.</summary>
    public static byte[] Heic() =>
        [0, 0, 0, 0x18, .. "ftypheic"u8, 0, 0, 0, 0, .. "mif1heic"u8, .. new byte[200]];

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        var length = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        stream.Write(typed);
        var crc = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        stream.Write(crc);
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }

    public static bool Contains(this byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.ASCII.GetBytes(needle)) >= 0;

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
}
