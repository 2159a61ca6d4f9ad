using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ClinicChat.Attachments;

public sealed class AttachmentOptions
{
    public const string Section = "Attachments";

    public const string PostgresStore = "postgres";
    public const string FileSystemStore = "filesystem";

    /// <summary>Where file bytes live: <c>postgres</c> (chunks in the database) or <c>filesystem</c> (under <see cref="Path"/>).</summary>
    public string Store { get; set; } = PostgresStore;

    /// <summary>The folder of the filesystem store; created at start-up when missing.</summary>
    public string? Path { get; set; }

    /// <summary>Largest file accepted; a larger upload is refused while it streams in.</summary>
    [Range(1024, 1024L * 1024 * 1024)]
    public long MaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Total bytes one user's uploads may occupy (sent or not).</summary>
    [Range(1024, long.MaxValue)]
    public long QuotaBytesPerUser { get; set; } = 500L * 1024 * 1024;

    /// <summary>clamd's TCP address as host:port. Set: every upload is scanned before it is accepted.</summary>
    public string? ClamAv { get; set; }

    /// <summary>How long a scan may take, connect included, before the upload is refused with 503.</summary>
    public TimeSpan ClamAvTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Largest image (width x height) decoded. Decoding holds the pixels in memory (3-4 bytes each), so this is what
    /// keeps a small file that declares a huge canvas (a decompression bomb) from exhausting memory.
    /// </summary>
    [Range(1, 200_000_000)]
    public long MaxImagePixels { get; set; } = 50_000_000;

    /// <summary>An upload not attached to a message within this long is deleted.</summary>
    public TimeSpan UnsentLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the cleanup looks for expired unsent uploads.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The clamd endpoint, or null when scanning is off. Valid once options validation has passed.</summary>
    public (string Host, int Port)? ClamAvEndpoint => ParseHostPort(ClamAv);

    internal static (string Host, int Port)? ParseHostPort(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            return null;
        }

        return (value[..colon].Trim('[', ']'), port);
    }
}

internal sealed class AttachmentOptionsValidator : IValidateOptions<AttachmentOptions>
{
    public ValidateOptionsResult Validate(string? name, AttachmentOptions options)
    {
        var failures = new List<string>();
        if (options.Store is not (AttachmentOptions.PostgresStore or AttachmentOptions.FileSystemStore))
        {
            failures.Add($"Attachments:Store must be '{AttachmentOptions.PostgresStore}' or '{AttachmentOptions.FileSystemStore}' (got '{options.Store}').");
        }

        if (options.Store == AttachmentOptions.FileSystemStore && string.IsNullOrWhiteSpace(options.Path))
        {
            failures.Add("Attachments:Path is required with Attachments:Store=filesystem: the folder that holds the files.");
        }

        if (!string.IsNullOrWhiteSpace(options.ClamAv) && options.ClamAvEndpoint is null)
        {
            failures.Add($"Attachments:ClamAv must be clamd's TCP address as host:port (got '{options.ClamAv}').");
        }

        if (options.ClamAvTimeout <= TimeSpan.Zero)
        {
            failures.Add("Attachments:ClamAvTimeout must be a positive TimeSpan such as 00:00:30.");
        }

        if (options.UnsentLifetime <= TimeSpan.Zero || options.CleanupInterval <= TimeSpan.Zero)
        {
            failures.Add("Attachments:UnsentLifetime and Attachments:CleanupInterval must be positive TimeSpans.");
        }

        if (options.QuotaBytesPerUser < options.MaxBytes)
        {
            failures.Add($"Attachments:QuotaBytesPerUser ({options.QuotaBytesPerUser}) must be at least Attachments:MaxBytes ({options.MaxBytes}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
