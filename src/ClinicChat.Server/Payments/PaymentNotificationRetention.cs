using System.ComponentModel.DataAnnotations;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClinicChat.Payments;

public sealed class PaymentsOptions
{
    public const string Section = "Payments";

    /// <summary>
    /// How long stored gateway notifications (signed bodies and their outcome, the audit trail of payments) are kept.
    /// Long enough to answer a dispute or a refund question about any booking (Midtrans settles within days; card
    /// chargebacks arrive within months); beyond that the payments rows themselves keep the state.
    /// </summary>
    [Range(1, 3650)]
    public int NotificationRetentionDays { get; set; } = 180;

    /// <summary>
    /// Webhook requests per client address per minute. Midtrans posts from a handful of addresses, one notification
    /// per status change plus its retries; a clinic's whole payment volume stays far below this, a flood does not.
    /// </summary>
    [Range(1, 100_000)]
    public int WebhookRequestsPerMinute { get; set; } = 120;
}

/// <summary>Deletes stored gateway notifications older than Payments:NotificationRetentionDays, hourly on the injected clock.</summary>
public sealed partial class PaymentNotificationRetention(
    NpgsqlDataSource dataSource,
    IOptions<PaymentsOptions> options,
    TimeProvider time,
    ILogger<PaymentNotificationRetention> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    private TaskCompletionSource<int> _nextRun = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the number of rows deleted when the next run (after this call) finishes.</summary>
    public Task<int> NextRun => Volatile.Read(ref _nextRun).Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                var deleted = 0;
                try
                {
                    deleted = await PruneAsync(stoppingToken);
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    // The database being away must not end the loop; the next tick tries again.
                    LogPruneFailed(e);
                }

                Interlocked.Exchange(ref _nextRun, new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(deleted);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(options.Value.NotificationRetentionDays);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            "delete from payment_notifications where received_at < @Cutoff", new { Cutoff = cutoff }, cancellationToken: cancellationToken));
        if (deleted > 0)
        {
            LogPruned(deleted);
        }

        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} payment notification(s) past their retention")]
    private partial void LogPruned(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting old payment notifications failed; retrying on the next run")]
    private partial void LogPruneFailed(Exception exception);
}
