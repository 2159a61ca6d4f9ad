using Microsoft.Extensions.Options;

namespace ClinicChat.Attachments;

/// <summary>
/// Deletes uploads never attached to a message once they are Attachments:UnsentLifetime old, every
/// Attachments:CleanupInterval on the injected clock. Several instances may run: rows are claimed with SKIP LOCKED.
/// </summary>
public sealed partial class AttachmentCleanup(
    AttachmentRecords records,
    IAttachmentStore store,
    TimeProvider time,
    IOptions<AttachmentOptions> options,
    ILogger<AttachmentCleanup> logger) : BackgroundService
{
    private const int Batch = 200;
    private const int MaxBatchesPerRun = 50;

    private long _completedRuns;

    /// <summary>Timer runs finished so far (whatever their outcome), so a test can tell that one has happened.</summary>
    public long CompletedRuns => Interlocked.Read(ref _completedRuns);

    /// <summary>Deletes what has expired; returns how many uploads.</summary>
    public async Task<int> RemoveExpiredAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - options.Value.UnsentLifetime;
        var total = 0;
        for (var i = 0; i < MaxBatchesPerRun; i++)
        {
            var removed = await records.DeleteUnsentAsync(cutoff, Batch, id => store.DeleteAsync(id, cancellationToken), cancellationToken);
            total += removed;
            if (removed < Batch)
            {
                break;
            }
        }

        if (total > 0)
        {
            LogRemoved(total);
        }

        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CleanupInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RemoveExpiredAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // A database outage must not end the loop: the next tick catches up.
                    LogRunFailed(e);
                }

                Interlocked.Increment(ref _completedRuns);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} unsent uploads past their lifetime")]
    private partial void LogRemoved(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unsent upload cleanup failed; retrying on the next tick")]
    private partial void LogRunFailed(Exception exception);
}
