using Microsoft.Extensions.Options;

namespace ClinicChat.Consultations;

/// <summary>
/// Runs the timed transitions. The first run happens at start-up, which catches up on everything that fell
/// due while the server was down; after that every SchedulerInterval on the injected clock. Several
/// instances may run against one database: the transitions themselves claim rows with SKIP LOCKED.
/// </summary>
public sealed partial class ConsultationScheduler(
    ConsultationLifecycle lifecycle,
    IOptions<ConsultationOptions> options,
    TimeProvider time,
    ILogger<ConsultationScheduler> logger) : BackgroundService
{
    private readonly TaskCompletionSource _firstRun = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes after the start-up catch-up run (successful or not).</summary>
    public Task FirstRun => _firstRun.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SchedulerInterval, time);
        try
        {
            await RunOnceAsync(stoppingToken);
            _firstRun.TrySetResult();
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RunOnceAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _firstRun.TrySetResult();
        }
    }

    private async Task RunOnceAsync(CancellationToken stoppingToken)
    {
        try
        {
            await lifecycle.RunDueTransitionsAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // A database outage must not kill the loop: the next tick tries again and catches up.
            LogRunFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Consultation scheduler run failed; retrying on the next tick")]
    private partial void LogRunFailed(Exception exception);
}
