using ClinicChat.Infrastructure;
using Microsoft.AspNetCore.SignalR;

namespace ClinicChat.Realtime;

/// <summary>
/// Refusals already arrive as HubException with a message meant for the client. Anything else is a fault: it is
/// logged here and the client gets a plain retryable message, never exception details. Faults in connecting and
/// disconnecting are logged here too, so SignalR's own dispatcher log (which reports every refusal as an Error
/// with a stack trace) stays off.
/// </summary>
public sealed partial class HubErrorFilter(DatabaseOutage outage, ILogger<HubErrorFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext);
        }
        catch (HubException e)
        {
            // Expected: the caller is told why. One Debug line, no stack trace.
            LogRefused(invocationContext.HubMethodName, RefusalCode(e.Message));
            throw;
        }
        catch (OperationCanceledException) when (invocationContext.Context.ConnectionAborted.IsCancellationRequested)
        {
            throw new Failure("hub.connection_closing", FailureKind.Unavailable, "The connection is closing.").ToHubException();
        }
        catch (Exception e) when (DatabaseOutage.IsOutage(e))
        {
            outage.Report(e, $"hub {invocationContext.HubMethodName}");
            throw DatabaseOutage.Refusal.ToHubException();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogFailed(e, invocationContext.HubMethodName);
            throw new Failure("server.error", FailureKind.Unavailable, $"The server could not complete {invocationContext.HubMethodName}; try again.").ToHubException();
        }
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (e is not (HubException or OperationCanceledException or OutOfMemoryException))
        {
            LogFailed(e, nameof(OnConnectedAsync));
            throw;
        }
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        try
        {
            await next(context, exception);
        }
        catch (Exception e) when (e is not (HubException or OperationCanceledException or OutOfMemoryException))
        {
            LogFailed(e, nameof(OnDisconnectedAsync));
            throw;
        }
    }

    /// <summary>The "[code]" of a refusal's message; the rest may quote the caller's input, so it stays out of the log.</summary>
    private static string RefusalCode(string? message) =>
        message is ['[', ..] && message.IndexOf(']', StringComparison.Ordinal) is > 1 and var end ? message[1..end] : "unknown";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Hub method {Method} refused: {Code}")]
    private partial void LogRefused(string method, string code);

    [LoggerMessage(Level = LogLevel.Error, Message = "Hub method {Method} failed")]
    private partial void LogFailed(Exception exception, string method);
}
