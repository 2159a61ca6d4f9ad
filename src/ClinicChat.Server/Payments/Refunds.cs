using ClinicChat.Audit;
using ClinicChat.Consultations;
using ClinicChat.Conversations;
using ClinicChat.Infrastructure;
using Dapper;
using Npgsql;

namespace ClinicChat.Payments;

/// <summary>
/// Refunds through the gateway. The attempt is stored as <c>pending</c> with its refund key before the gateway is
/// called, and only the gateway's answer moves it on: accepted -> <c>succeeded</c> (refund_due cleared, payment
/// refunded, note, audit and consultationUpdated in one transaction), refused -> <c>failed</c> (refund_due stays, the
/// next attempt gets a new key). No answer (unreachable, 5xx, crash) leaves it pending, and the next attempt sends
/// the same key, which Midtrans treats as the same refund: a retry never refunds twice. A verified refund
/// notification completes a pending attempt the same way.
/// </summary>
public sealed partial class Refunds(
    NpgsqlDataSource dataSource,
    IPaymentGateway gateway,
    SystemNotes notes,
    ConsultationReader reader,
    ConsultationEvents events,
    AuditLog audit,
    TimeProvider time,
    ILogger<Refunds> logger)
{
    public const string NoteText = "The fee has been refunded.";

    private sealed record PaymentRow(Guid Id, string OrderId, string Provider, long Amount);

    private sealed record Attempt(Guid Id, string RefundKey, long Amount, string Reason);

    /// <summary>Refunds a consultation whose refund is due. <paramref name="actorId"/> is the admin, or null when the system refunds on its own.</summary>
    public async Task<Outcome<ConsultationDto>> RefundAsync(Guid consultationId, Guid? actorId, string reason, CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync(consultationId, actorId, reason, cancellationToken);
        if (prepared.Failure is { } refused)
        {
            return refused;
        }

        var (payment, attempt) = prepared.Value;
        RefundAnswer answer;
        try
        {
            answer = await gateway.RefundAsync(new RefundRequest(payment.OrderId, attempt.RefundKey, attempt.Amount, attempt.Reason), cancellationToken);
        }
        catch (PaymentGatewayException)
        {
            LogNoAnswer(consultationId, attempt.RefundKey);
            return new Failure("payment.gateway_unavailable", FailureKind.BadGateway,
                "The payment gateway did not answer. The refund is still due; trying again sends the same refund key, so it cannot refund twice.",
                "Payment gateway unavailable", Extensions: new Dictionary<string, object?> { ["refundKey"] = attempt.RefundKey });
        }

        if (!answer.Accepted)
        {
            await RecordRefusalAsync(consultationId, attempt, answer, actorId, cancellationToken);
            return new Failure("refund.refused", FailureKind.BadGateway,
                $"The payment gateway refused the refund (status {answer.StatusCode}). The refund is still due.",
                "Refund refused", Extensions: new Dictionary<string, object?> { ["gatewayStatusCode"] = answer.StatusCode });
        }

        if (answer.RefundAmount is { } refunded && refunded != attempt.Amount)
        {
            // Money moved, but not what was asked: left pending (a retry answers the same refund) for a person to check at the gateway.
            LogAmountMismatch(consultationId, attempt.RefundKey, attempt.Amount, refunded);
            return new Failure("refund.amount_mismatch", FailureKind.BadGateway,
                $"The gateway reports a refund of {refunded} instead of {attempt.Amount}. The refund stays pending; check it in the Midtrans dashboard.",
                "Refund amount mismatch", Extensions: new Dictionary<string, object?> { ["refundKey"] = attempt.RefundKey });
        }

        await CompleteAsync(consultationId, attempt.Id, answer.ChargebackId, answer.StatusCode, actorId, cancellationToken);
        await using var read = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await reader.FindAsync(read, null, consultationId, cancellationToken))!;
    }

    /// <summary>Checks the refund is due and stores the attempt (or finds the pending one to retry) before anything leaves the server.</summary>
    private async Task<Outcome<(PaymentRow, Attempt)>> PrepareAsync(Guid consultationId, Guid? actorId, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var consultation = await ConsultationLifecycle.LockAsync(connection, transaction, consultationId, cancellationToken);
        if (consultation is null)
        {
            return Failure.NotFound("consultation.not_found", "Consultation");
        }

        var due = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select refund_due from consultations where id = @Id", new { Id = consultationId }, transaction, cancellationToken: cancellationToken));
        var payment = due
            ? await connection.QuerySingleOrDefaultAsync<PaymentRow>(new CommandDefinition(
                $"""
                select id, order_id, provider, amount from payments
                where consultation_id = @Id and status = '{PaymentStatuses.Paid}'
                order by paid_at desc limit 1 for update
                """,
                new { Id = consultationId }, transaction, cancellationToken: cancellationToken))
            : null;
        if (payment is null)
        {
            return ConsultationLifecycle.WrongState("refund.not_due", consultation.Status, "No refund is due for this consultation.");
        }

        if (payment.Provider != gateway.Provider)
        {
            return Failure.Conflict("refund.other_gateway", $"This consultation was paid through the {payment.Provider} gateway, which this server no longer uses; refund it there.");
        }

        var attempt = await connection.QuerySingleOrDefaultAsync<Attempt>(new CommandDefinition(
            $"select id, refund_key, amount, reason from refunds where consultation_id = @Id and status = '{RefundStatuses.Pending}'",
            new { Id = consultationId }, transaction, cancellationToken: cancellationToken));
        if (attempt is null)
        {
            var now = time.GetUtcNow();
            attempt = new Attempt(Guid.CreateVersion7(), "rf-" + Guid.NewGuid().ToString("N"), payment.Amount, reason);
            await connection.ExecuteAsync(new CommandDefinition(
                $"""
                insert into refunds (id, consultation_id, payment_id, refund_key, amount, reason, status, requested_by, created_at, updated_at)
                values (@Id, @ConsultationId, @PaymentId, @RefundKey, @Amount, @Reason, '{RefundStatuses.Pending}', @ActorId, @Now, @Now)
                """,
                new { attempt.Id, ConsultationId = consultationId, PaymentId = payment.Id, attempt.RefundKey, attempt.Amount, attempt.Reason, ActorId = actorId, Now = now },
                transaction, cancellationToken: cancellationToken));
        }

        await audit.WriteAsync(connection, transaction, actorId, "refund.request", "consultation", consultationId.ToString(),
            new { refundKey = attempt.RefundKey, amount = attempt.Amount }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (payment, attempt);
    }

    private async Task RecordRefusalAsync(Guid consultationId, Attempt attempt, RefundAnswer answer, Guid? actorId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ConsultationLifecycle.LockAsync(connection, transaction, consultationId, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            $"""
            update refunds set status = '{RefundStatuses.Failed}', gateway_status_code = @Code, gateway_message = @Message, updated_at = @Now
            where id = @Id and status = '{RefundStatuses.Pending}'
            """,
            new { attempt.Id, Code = answer.StatusCode, Message = Truncate(answer.Message), Now = time.GetUtcNow() }, transaction, cancellationToken: cancellationToken));
        await audit.WriteAsync(connection, transaction, actorId, "refund.refused", "consultation", consultationId.ToString(),
            new { refundKey = attempt.RefundKey, gatewayStatusCode = answer.StatusCode }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogRefused(consultationId, attempt.RefundKey, answer.StatusCode);
    }

    /// <summary>The gateway answered "refunded": the attempt succeeds and the consultation owes nothing any more.</summary>
    private async Task CompleteAsync(Guid consultationId, Guid attemptId, string? chargebackId, string statusCode, Guid? actorId, CancellationToken cancellationToken)
    {
        ConsultationNotice? notice;
        using var scope = notes.Begin();
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var consultation = (await ConsultationLifecycle.LockAsync(connection, transaction, consultationId, cancellationToken))!;
            notice = await MarkSucceededAsync(connection, transaction, scope, consultation, attemptId, chargebackId, statusCode, actorId, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await scope.PublishAsync();
        if (notice is not null)
        {
            await events.PublishAsync([notice], cancellationToken);
        }
    }

    /// <summary>
    /// The one place a refund becomes final, for the gateway's answer and for a verified refund notification alike.
    /// Caller holds the consultation's row lock. Null when the attempt was already final (a repeated answer changes nothing).
    /// </summary>
    private async Task<ConsultationNotice?> MarkSucceededAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SystemNotes.Scope scope,
        ConsultationLifecycle.Locked consultation, Guid attemptId, string? chargebackId, string? statusCode, Guid? actorId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var attempt = await connection.QuerySingleOrDefaultAsync<(Guid PaymentId, string RefundKey, long Amount)?>(new CommandDefinition(
            $"""
            update refunds set status = '{RefundStatuses.Succeeded}', refunded_at = @Now, updated_at = @Now,
                chargeback_id = coalesce(@ChargebackId, chargeback_id), gateway_status_code = coalesce(@StatusCode, gateway_status_code)
            where id = @Id and status = '{RefundStatuses.Pending}'
            returning payment_id, refund_key, amount
            """,
            new { Id = attemptId, Now = now, ChargebackId = Truncate(chargebackId), StatusCode = statusCode }, transaction, cancellationToken: cancellationToken));
        if (attempt is not { } done)
        {
            return null;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "update consultations set refund_due = false where id = @Id", new { consultation.Id }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            $"update payments set status = '{PaymentStatuses.Refunded}', gateway_status = 'refund', updated_at = @Now where id = @Id",
            new { Id = done.PaymentId, Now = now }, transaction, cancellationToken: cancellationToken));
        if (consultation.ConversationId is { } conversationId)
        {
            await scope.LockAsync(conversationId, cancellationToken);
            await scope.AppendAsync(connection, transaction, conversationId, NoteText, cancellationToken);
        }

        await audit.WriteAsync(connection, transaction, actorId, "refund.succeeded", "consultation", consultation.Id.ToString(),
            new { refundKey = done.RefundKey, amount = done.Amount }, cancellationToken);
        LogRefunded(consultation.Id, done.RefundKey);
        return new ConsultationNotice(consultation.Id, NoticeKind.Updated);
    }

    /// <summary>
    /// A verified refund notification (status re-checked with the gateway): completes the pending attempt, or, when the
    /// refund was made at the gateway itself (the dashboard), records it as a succeeded attempt so the history is whole.
    /// </summary>
    internal async Task<(string Detail, ConsultationNotice? Notice)> ApplyNotificationAsync(Guid consultationId, Guid paymentId, long amount, CancellationToken cancellationToken)
    {
        ConsultationNotice? notice;
        string detail;
        using var scope = notes.Begin();
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var consultation = (await ConsultationLifecycle.LockAsync(connection, transaction, consultationId, cancellationToken))!;
            var attemptId = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
                $"select id from refunds where consultation_id = @Id and status = '{RefundStatuses.Pending}'",
                new { Id = consultationId }, transaction, cancellationToken: cancellationToken));
            var already = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                $"select exists (select 1 from refunds where consultation_id = @Id and status = '{RefundStatuses.Succeeded}')",
                new { Id = consultationId }, transaction, cancellationToken: cancellationToken));
            if (already)
            {
                detail = "already_refunded";
                notice = null;
            }
            else
            {
                if (attemptId is null)
                {
                    attemptId = Guid.CreateVersion7();
                    var now = time.GetUtcNow();
                    await connection.ExecuteAsync(new CommandDefinition(
                        $"""
                        insert into refunds (id, consultation_id, payment_id, refund_key, amount, reason, status, created_at, updated_at)
                        values (@Id, @ConsultationId, @PaymentId, @RefundKey, @Amount, 'Refunded at the payment gateway', '{RefundStatuses.Pending}', @Now, @Now)
                        """,
                        new { Id = attemptId, ConsultationId = consultationId, PaymentId = paymentId, RefundKey = "gw-" + Guid.NewGuid().ToString("N"), Amount = amount, Now = now },
                        transaction, cancellationToken: cancellationToken));
                }

                notice = await MarkSucceededAsync(connection, transaction, scope, consultation, attemptId.Value, null, null, null, cancellationToken);
                detail = "refunded";
            }

            await transaction.CommitAsync(cancellationToken);
        }

        await scope.PublishAsync();
        return (detail, notice);
    }

    private static string? Truncate(string? value) => value is { Length: > 200 } ? value[..200] : value;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refund {RefundKey} of consultation {ConsultationId}: the gateway did not answer; it stays pending")]
    private partial void LogNoAnswer(Guid consultationId, string refundKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refund {RefundKey} of consultation {ConsultationId} refused by the gateway (status {StatusCode})")]
    private partial void LogRefused(Guid consultationId, string refundKey, string statusCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refund {RefundKey} of consultation {ConsultationId}: asked {Asked}, the gateway reports {Refunded}; left pending")]
    private partial void LogAmountMismatch(Guid consultationId, string refundKey, long asked, long refunded);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refund {RefundKey} of consultation {ConsultationId} succeeded")]
    private partial void LogRefunded(Guid consultationId, string refundKey);
}
