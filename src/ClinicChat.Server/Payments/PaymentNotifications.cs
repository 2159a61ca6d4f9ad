using System.Diagnostics.Metrics;
using System.Text.Json;
using ClinicChat.Consultations;
using Dapper;
using Npgsql;

namespace ClinicChat.Payments;

public enum NotificationOutcome
{
    /// <summary>Acted on (or a valid repeat that changed nothing): 200.</summary>
    Processed,

    /// <summary>Authentic but not ours or not actionable (unknown order, amount mismatch, pending): 200 so the gateway stops retrying.</summary>
    Ignored,

    /// <summary>Not JSON or missing fields: 400. Not stored: counted and logged only.</summary>
    Malformed,

    /// <summary>Bad signature: 401. Nothing changes and nothing is stored (counted and logged only); the gateway never sends these, so its retries do not matter.</summary>
    Forged,

    /// <summary>The status re-check could not reach the gateway: 503, so Midtrans retries later.</summary>
    RetryLater,
}

/// <summary>
/// The one code path for gateway notifications, used by the Midtrans webhook and by the simulator's
/// checkout page. Order of work: verify the signature, store the raw body (signed bodies only: anyone on the
/// internet can post here, and storing what they send would let them fill the disk; rejected bodies are a counter
/// and a log line), re-check the order with the gateway's status API, then apply the status API's answer (never
/// the notification's own claim) through a forward-only state machine under the consultation's row lock.
/// </summary>
public sealed partial class PaymentNotifications(
    NpgsqlDataSource dataSource,
    IPaymentGateway gateway,
    ConsultationLifecycle lifecycle,
    ConsultationEvents events,
    Refunds refunds,
    TimeProvider time,
    IMeterFactory meters,
    ILogger<PaymentNotifications> logger)
{
    public const int MaxBodyChars = 16 * 1024;

    public const string MeterName = "ClinicChat.Payments";

    public const string RejectedCounterName = "clinicchat.payment_notifications.rejected";

    private readonly Counter<long> _rejected = meters.Create(MeterName).CreateCounter<long>(
        RejectedCounterName, unit: "{notification}", description: "Webhook bodies refused before storage, by reason (malformed, bad_signature).");

    public async Task<NotificationOutcome> HandleAsync(string rawBody, CancellationToken cancellationToken)
    {
        MidtransNotification? notification = null;
        try
        {
            notification = JsonSerializer.Deserialize<MidtransNotification>(rawBody);
        }
        catch (JsonException)
        {
        }

        // Midtrans order ids are at most 50 of [A-Za-z0-9-_.~]; anything else is not an order of ours and must not reach the logs verbatim.
        var orderId = notification?.OrderId is { } id && OrderIdPattern().IsMatch(id) ? id : null;
        if (Reject(notification, orderId) is { } rejected)
        {
            _rejected.Add(1, new KeyValuePair<string, object?>("reason", rejected.Detail));
            LogNotProcessed(rejected.Outcome, rejected.Detail, orderId ?? "(none)");
            return rejected.Outcome;
        }

        var auditId = await StoreRawAsync(rawBody, orderId!, cancellationToken);
        var (outcome, detail, notices) = await ProcessAsync(notification!, orderId!, cancellationToken);
        await RecordOutcomeAsync(auditId, detail, cancellationToken);
        if (outcome is not NotificationOutcome.Processed)
        {
            // Order id and outcome only: never the body, the signature or the key.
            LogNotProcessed(outcome, detail, orderId ?? "(none)");
        }

        await events.PublishAsync(notices, cancellationToken);
        return outcome;
    }

    /// <summary>What is refused before anything is stored: bodies that are not a notification, or not signed with our key.</summary>
    private (NotificationOutcome Outcome, string Detail)? Reject(MidtransNotification? notification, string? orderId)
    {
        if (notification is null || orderId is null || notification.StatusCode is null || notification.GrossAmount is null || notification.SignatureKey is null)
        {
            return (NotificationOutcome.Malformed, "malformed");
        }

        return gateway.HasValidSignature(notification) ? null : (NotificationOutcome.Forged, "bad_signature");
    }

    private async Task<(NotificationOutcome, string, List<ConsultationNotice>)> ProcessAsync(MidtransNotification notification, string orderId, CancellationToken cancellationToken)
    {
        var payment = await FindPaymentAsync(orderId, cancellationToken);
        if (payment is null)
        {
            return (NotificationOutcome.Ignored, "unknown_order", []);
        }

        if (payment.Provider != gateway.Provider)
        {
            return (NotificationOutcome.Ignored, "other_provider", []);
        }

        MidtransNotification? status;
        try
        {
            status = await gateway.GetStatusAsync(orderId, cancellationToken);
        }
        catch (PaymentGatewayException)
        {
            return (NotificationOutcome.RetryLater, "status_unavailable", []);
        }

        if (status is null || status.OrderId != orderId)
        {
            return (NotificationOutcome.Ignored, "unknown_at_gateway", []);
        }

        // Both the notification and the gateway must agree with what was booked: a different amount is not this booking's payment.
        if (MidtransNotification.ParseAmount(notification.GrossAmount) != payment.Amount || MidtransNotification.ParseAmount(status.GrossAmount) != payment.Amount)
        {
            return (NotificationOutcome.Ignored, "amount_mismatch", []);
        }

        // A refund (made here or in the dashboard) is final at the gateway: the re-checked status, not the notification, says so.
        if (MidtransNotification.IsRefund(status.TransactionStatus))
        {
            var (refundDetail, notice) = await refunds.ApplyNotificationAsync(payment.ConsultationId, payment.Id, payment.Amount, cancellationToken);
            return (NotificationOutcome.Processed, refundDetail, notice is null ? [] : [notice]);
        }

        var verdict = Classify(status);
        if (verdict is null)
        {
            return (NotificationOutcome.Ignored, $"no_change:{Truncate(status.TransactionStatus)}", []);
        }

        return await ApplyAsync(payment, verdict.Value, status.TransactionStatus!, cancellationToken);
    }

    /// <summary>Paid = settlement, or capture that the fraud check accepted. Anything else that is not final changes nothing.</summary>
    private static bool? Classify(MidtransNotification status) => status.TransactionStatus switch
    {
        "settlement" => true,
        "capture" when status.FraudStatus == "accept" => true,
        "deny" or "cancel" or "expire" or "failure" => false,
        _ => null,
    };

    private async Task<(NotificationOutcome, string, List<ConsultationNotice>)> ApplyAsync(PaymentRow payment, bool paid, string gatewayStatus, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Consultation first, then payment: the same order as every other path, so none deadlock.
        var consultation = await ConsultationLifecycle.LockAsync(connection, transaction, payment.ConsultationId, cancellationToken);
        var current = await connection.QuerySingleAsync<string>(new CommandDefinition(
            "select status from payments where id = @Id for update", new { payment.Id }, transaction, cancellationToken: cancellationToken));
        var notices = new List<ConsultationNotice>();
        string detail;
        if (current == PaymentStatuses.Paid)
        {
            // Forward only: once paid, later pending/expire/deny notifications change nothing.
            detail = "already_paid";
        }
        else if (paid)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "update payments set status = 'paid', gateway_status = @GatewayStatus, paid_at = @Now, updated_at = @Now where id = @Id",
                new { payment.Id, GatewayStatus = gatewayStatus, Now = now }, transaction, cancellationToken: cancellationToken));
            if (consultation!.Status == ConsultationStatuses.AwaitingPayment)
            {
                notices.Add(await lifecycle.MarkPaidAsync(connection, transaction, consultation, cancellationToken));
                detail = "paid";
            }
            else
            {
                notices.Add(await lifecycle.MarkLatePaymentAsync(connection, transaction, consultation, cancellationToken));
                detail = $"paid_late:{consultation.Status}";
                LogLatePayment(payment.ConsultationId, consultation.Status);
            }
        }
        else if (current == PaymentStatuses.Pending)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "update payments set status = 'failed', gateway_status = @GatewayStatus, updated_at = @Now where id = @Id",
                new { payment.Id, GatewayStatus = gatewayStatus, Now = now }, transaction, cancellationToken: cancellationToken));
            if (consultation!.Status == ConsultationStatuses.AwaitingPayment)
            {
                notices.Add(await lifecycle.MarkPaymentFailedAsync(connection, transaction, consultation, cancellationToken));
            }

            detail = "failed";
        }
        else
        {
            detail = $"already_{current}";
        }

        await transaction.CommitAsync(cancellationToken);
        return (NotificationOutcome.Processed, detail, notices);
    }

    private async Task<long> StoreRawAsync(string body, string orderId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            insert into payment_notifications (received_at, provider, order_id, body)
            values (@Now, @Provider, @OrderId, @Body) returning id
            """,
            new { Now = time.GetUtcNow(), gateway.Provider, OrderId = orderId, Body = body }, cancellationToken: cancellationToken));
    }

    private async Task RecordOutcomeAsync(long id, string outcome, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "update payment_notifications set outcome = @Outcome where id = @Id",
            new { Id = id, Outcome = outcome }, cancellationToken: cancellationToken));
    }

    private async Task<PaymentRow?> FindPaymentAsync(string orderId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<PaymentRow>(new CommandDefinition(
            "select id, consultation_id, provider, amount from payments where order_id = @OrderId",
            new { OrderId = orderId }, cancellationToken: cancellationToken));
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9._~-]{1,50}$")]
    private static partial System.Text.RegularExpressions.Regex OrderIdPattern();

    private static string Truncate(string? value) => value is null ? "" : value.Length > 40 ? value[..40] : value;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Payment notification {Outcome} ({Detail}) for order {OrderId}")]
    private partial void LogNotProcessed(NotificationOutcome outcome, string detail, string orderId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Payment arrived for consultation {ConsultationId} which is already {Status}; marked for refund")]
    private partial void LogLatePayment(Guid consultationId, string status);

    private sealed record PaymentRow(Guid Id, Guid ConsultationId, string Provider, long Amount);
}
