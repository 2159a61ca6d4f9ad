using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Processing;

namespace ClinicChat.Attachments;

/// <summary>An image as stored: its size in pixels and its preview, already encoded.</summary>
public sealed record ProcessedImage(int Width, int Height, byte[] Thumbnail);

/// <summary>Why an image was refused; the message is safe to show to the uploader.</summary>
public sealed class ImageRejectedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Decodes every uploaded image and encodes it afresh (SixLabors.ImageSharp 2.1.13). What comes out holds pixels and
/// nothing else the uploader sent: no EXIF (camera, GPS location, time), XMP, IPTC, comments or text chunks, and
/// nothing appended after the image (a ZIP or PDF riding on a JPEG, a polyglot), because only decoded pixels are
/// written back. The EXIF orientation is applied to the pixels first, so the picture stays upright without it.
/// The ICC colour profile is kept: it describes colours, not people, and dropping it would shift wide-gamut photos.
/// </summary>
public sealed class ImageProcessor
{
    public const int ThumbnailEdge = 320;
    public const string ThumbnailContentType = "image/jpeg";

    private readonly Configuration _configuration;
    private readonly long _maxPixels;
    // Decoding holds every pixel in memory: a few at a time keeps a burst of large photos from adding up.
    private readonly SemaphoreSlim _slots = new(Math.Max(1, Environment.ProcessorCount / 2));

    public ImageProcessor(IOptions<AttachmentOptions> options)
    {
        _maxPixels = options.Value.MaxImagePixels;
        _configuration = Configuration.Default.Clone();
        // The declared canvas is checked before decoding; this refuses any single buffer beyond what the largest
        // allowed canvas needs (4 bytes a pixel) should a decoder allocate more than it declared (a GIF's frames).
        _configuration.MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
        {
            AllocationLimitMegabytes = (int)Math.Max(16, _maxPixels * 4 / (1024 * 1024) + 1),
            MaximumPoolSizeMegabytes = 16,
        });
    }

    /// <summary>Decodes <paramref name="source"/> as <paramref name="type"/>, writes the clean image to <paramref name="output"/>.</summary>
    /// <exception cref="ImageRejectedException">The bytes are not a decodable image of that type, or too large a canvas.</exception>
    public async Task<ProcessedImage> ProcessAsync(Stream source, FileType type, Stream output, CancellationToken cancellationToken)
    {
        var (decoder, encoder) = Codecs(type);
        await _slots.WaitAsync(cancellationToken);
        try
        {
            var info = Identify(source, decoder, type);
            if ((long)info.Width * info.Height > _maxPixels)
            {
                throw new ImageRejectedException(
                    $"The image is {info.Width}x{info.Height} pixels; at most {_maxPixels:N0} pixels are accepted.");
            }

            source.Position = 0;
            using var image = Decode(source, decoder, type);
            image.Mutate(x => x.AutoOrient());
            StripMetadata(image);
            if (encoder is WebpEncoder webp)
            {
                encoder = new WebpEncoder { FileFormat = image.Metadata.GetWebpMetadata().FileFormat, Quality = webp.Quality };
            }

            await image.SaveAsync(output, encoder, cancellationToken);
            return new ProcessedImage(image.Width, image.Height, Thumbnail(image));
        }
        finally
        {
            _slots.Release();
        }
    }

    private IImageInfo Identify(Stream source, IImageDecoder decoder, FileType type)
    {
        try
        {
            return ((IImageInfoDetector)decoder).Identify(_configuration, source, CancellationToken.None)
                ?? throw new ImageRejectedException(NotDecodable(type));
        }
        catch (Exception e) when (e is ImageFormatException or NotSupportedException or InvalidMemoryOperationException or EndOfStreamException)
        {
            throw new ImageRejectedException(NotDecodable(type), e);
        }
    }

    private Image Decode(Stream source, IImageDecoder decoder, FileType type)
    {
        try
        {
            return Image.Load(_configuration, source, decoder);
        }
        catch (InvalidMemoryOperationException e)
        {
            throw new ImageRejectedException("The image needs more memory to decode than this server allows for one image.", e);
        }
        catch (Exception e) when (e is ImageFormatException or NotSupportedException or EndOfStreamException or ArgumentException)
        {
            throw new ImageRejectedException(NotDecodable(type), e);
        }
    }

    private static string NotDecodable(FileType type) =>
        $"The file starts like {type.ContentType} but does not decode as one; it may be damaged or not really an image.";

    private static void StripMetadata(Image image)
    {
        var metadata = image.Metadata;
        metadata.ExifProfile = null;
        metadata.XmpProfile = null;
        metadata.IptcProfile = null;
        metadata.GetPngMetadata().TextData.Clear();
        metadata.GetGifMetadata().Comments.Clear();
        foreach (var frame in image.Frames)
        {
            frame.Metadata.ExifProfile = null;
            frame.Metadata.XmpProfile = null;
            frame.Metadata.IptcProfile = null;
        }
    }

    private static byte[] Thumbnail(Image image)
    {
        // The first frame of an animation; transparency over white, since JPEG has none.
        using var preview = image.Frames.CloneFrame(0);
        preview.Mutate(x =>
        {
            if (preview.Width > ThumbnailEdge || preview.Height > ThumbnailEdge)
            {
                x.Resize(new ResizeOptions { Size = new Size(ThumbnailEdge, ThumbnailEdge), Mode = ResizeMode.Max });
            }

            x.BackgroundColor(Color.White);
        });
        using var buffer = new MemoryStream();
        preview.Save(buffer, new JpegEncoder { Quality = 75 });
        return buffer.ToArray();
    }

    private static (IImageDecoder Decoder, IImageEncoder Encoder) Codecs(FileType type) => type.ContentType switch
    {
        "image/jpeg" => (new JpegDecoder(), new JpegEncoder { Quality = 90 }),
        "image/png" => (new PngDecoder(), new PngEncoder()),
        "image/gif" => (new GifDecoder(), new GifEncoder()),
        "image/webp" => (new WebpDecoder(), new WebpEncoder { Quality = 90 }),
        _ => throw new ImageRejectedException($"{type.ContentType} images cannot be processed by this server."),
    };
}
