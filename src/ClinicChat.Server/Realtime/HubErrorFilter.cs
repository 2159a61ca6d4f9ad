using ClinicChat.Infrastructure;
using Microsoft.AspNetCore.SignalR;

namespace ClinicChat.Realtime;

/// <summary>
/// Refusals already arrive as HubException with a message meant for the client. Anything else is a fault: it is
/// logged here and the client gets a plain retryable message, never exception details.
/// </summary>
public sealed partial class HubErrorFilter(ILogger<HubErrorFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext);
        }
        catch (HubException)
        {
            throw;
        }
        catch (OperationCanceledException) when (invocationContext.Context.ConnectionAborted.IsCancellationRequested)
        {
            throw new Failure("hub.connection_closing", FailureKind.Unavailable, "The connection is closing.").ToHubException();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogFailed(e, invocationContext.HubMethodName);
            throw new Failure("server.error", FailureKind.Unavailable, $"The server could not complete {invocationContext.HubMethodName}; try again.").ToHubException();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Hub method {Method} failed")]
    private partial void LogFailed(Exception exception, string method);
}
