using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;

namespace ClinicChat.Attachments;

public enum ScanVerdict
{
    Clean,
    Infected,
}

/// <summary>clamd could not give a verdict (unreachable, timed out, or answered with an error).</summary>
public sealed class ScannerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A client for clamd's INSTREAM command over TCP: "zINSTREAM\0", then the file as chunks each prefixed with its
/// length as a 4-byte big-endian integer, then a zero length; clamd answers one NUL-terminated line,
/// "stream: OK" or "stream: &lt;signature&gt; FOUND" (or "... ERROR").
/// </summary>
public sealed partial class ClamAvScanner(IOptions<AttachmentOptions> options, ILogger<ClamAvScanner> logger)
{
    private const int ChunkSize = 64 * 1024;
    private const int MaxReplyLength = 4096;

    public bool Enabled => options.Value.ClamAvEndpoint is not null;

    /// <exception cref="ScannerUnavailableException">No verdict: the upload must not be accepted.</exception>
    public async Task<(ScanVerdict Verdict, string? Signature)> ScanAsync(Stream content, CancellationToken cancellationToken)
    {
        var (host, port) = options.Value.ClamAvEndpoint ?? throw new InvalidOperationException("Scanning is not configured.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.ClamAvTimeout);
        string reply;
        try
        {
            reply = await ExchangeAsync(host, port, content, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogUnavailable(host, port, e.Message);
            throw new ScannerUnavailableException("The malware scanner is not reachable right now; the file was not stored. Try again shortly.", e);
        }

        if (reply.EndsWith(" OK", StringComparison.Ordinal))
        {
            return (ScanVerdict.Clean, null);
        }

        if (reply.EndsWith(" FOUND", StringComparison.Ordinal))
        {
            var signature = reply["stream: ".Length..^" FOUND".Length];
            return (ScanVerdict.Infected, signature);
        }

        // "INSTREAM size limit exceeded. ERROR" and the like: clamd's own limits are below ours.
        LogScanError(reply);
        throw new ScannerUnavailableException("The malware scanner could not check this file; it was not stored.");
    }

    private static async Task<string> ExchangeAsync(string host, int port, Stream content, CancellationToken cancellationToken)
    {
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(host, port, cancellationToken);
        await using var stream = client.GetStream();
        await stream.WriteAsync("zINSTREAM\0"u8.ToArray(), cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize + 4);
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(4, ChunkSize), cancellationToken)) > 0)
            {
                BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)read);
                await stream.WriteAsync(buffer.AsMemory(0, read + 4), cancellationToken);
            }

            BinaryPrimitives.WriteUInt32BigEndian(buffer, 0);
            await stream.WriteAsync(buffer.AsMemory(0, 4), cancellationToken);

            var length = 0;
            while (length < MaxReplyLength && (read = await stream.ReadAsync(buffer.AsMemory(length, MaxReplyLength - length), cancellationToken)) > 0)
            {
                length += read;
                if (Array.IndexOf(buffer, (byte)0, 0, length) >= 0)
                {
                    break;
                }
            }

            var end = Array.IndexOf(buffer, (byte)0, 0, length);
            return Encoding.ASCII.GetString(buffer, 0, end >= 0 ? end : length).Trim();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "clamd at {Host}:{Port} is unavailable: {Reason}")]
    private partial void LogUnavailable(string host, int port, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "clamd could not scan an upload: {Reply}")]
    private partial void LogScanError(string reply);
}
