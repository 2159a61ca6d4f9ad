using ClinicChat.Audit;
using ClinicChat.Conversations;
using ClinicChat.Infrastructure;
using ClinicChat.Payments;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClinicChat.Consultations;

/// <summary>
/// A patient cancelling their own booking. Unpaid: cancelled at once (the slot is free again) and the Snap transaction
/// cancelled at the gateway afterwards, best effort: if the payer paid in the meantime, the settlement notification
/// finds the booking cancelled and marks the fee for refund, as for any late payment. Paid but not yet accepted:
/// cancelled with the refund due, or refunded at once when Consultations:AutoRefund is on.
/// </summary>
public sealed partial class ConsultationCancellation(
    NpgsqlDataSource dataSource,
    SystemNotes notes,
    ConsultationReader reader,
    ConsultationEvents events,
    AuditLog audit,
    IPaymentGateway gateway,
    Refunds refunds,
    IOptions<ConsultationOptions> options,
    TimeProvider time,
    ILogger<ConsultationCancellation> logger)
{
    public const string PaidNote = "The patient cancelled this consultation. The fee will be refunded.";

    public async Task<Outcome<ConsultationDto>> CancelAsync(Guid consultationId, Guid patientId, CancellationToken cancellationToken)
    {
        string wasStatus;
        string? orderToCancel = null;
        using (var scope = notes.Begin())
        {
            await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
            {
                var c = await ConsultationLifecycle.LockAsync(connection, transaction, consultationId, cancellationToken);
                if (c is null || (c.PatientId != patientId && c.DoctorId != patientId))
                {
                    return Failure.NotFound("consultation.not_found", "Consultation");
                }

                if (c.PatientId != patientId)
                {
                    return Failure.Forbidden("consultation.not_the_patient", "Only the patient who booked may cancel this consultation.");
                }

                wasStatus = c.Status;
                var now = time.GetUtcNow();
                if (c.Status == ConsultationStatuses.AwaitingPayment)
                {
                    await connection.ExecuteAsync(new CommandDefinition(
                        $"""
                        update consultations set status = 'cancelled', cancelled_at = @Now, cancel_reason = '{CancelReasons.PatientCancelled}'
                        where id = @Id and status = 'awaiting_payment'
                        """,
                        new { c.Id, Now = now }, transaction, cancellationToken: cancellationToken));
                    orderToCancel = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                        $"""
                        update payments set status = '{PaymentStatuses.Cancelled}', updated_at = @Now
                        where consultation_id = @Id and status = '{PaymentStatuses.Pending}'
                        returning case when provider = @Provider then order_id end
                        """,
                        new { c.Id, Now = now, gateway.Provider }, transaction, cancellationToken: cancellationToken));
                }
                else if (c.Status == ConsultationStatuses.Paid)
                {
                    await connection.ExecuteAsync(new CommandDefinition(
                        $"""
                        update consultations set status = 'cancelled', cancelled_at = @Now, cancel_reason = '{CancelReasons.PatientCancelled}', refund_due = true
                        where id = @Id and status = 'paid'
                        """,
                        new { c.Id, Now = now }, transaction, cancellationToken: cancellationToken));
                    await scope.LockAsync(c.ConversationId!.Value, cancellationToken);
                    await scope.AppendAsync(connection, transaction, c.ConversationId!.Value, PaidNote, cancellationToken);
                }
                else
                {
                    return ConsultationLifecycle.WrongState("consultation.wrong_state", c.Status,
                        $"The consultation is {c.Status}; only one awaiting payment or paid and not yet accepted can be cancelled.");
                }

                await audit.WriteAsync(connection, transaction, patientId, "consultation.cancel", "consultation", consultationId.ToString(),
                    new { from = c.Status }, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }

            await scope.PublishAsync();
        }

        await events.PublishAsync([new ConsultationNotice(consultationId, NoticeKind.Updated)], cancellationToken);
        if (orderToCancel is not null)
        {
            await CancelAtGatewayAsync(consultationId, orderToCancel, cancellationToken);
        }

        if (wasStatus == ConsultationStatuses.Paid && options.Value.AutoRefund)
        {
            // The cancellation stands whatever the gateway says: a refund it refuses or cannot take stays due for an admin.
            var refunded = await refunds.RefundAsync(consultationId, null, "Cancelled by the patient before the doctor accepted", cancellationToken);
            if (refunded.Failure is { } failure)
            {
                LogAutoRefundFailed(consultationId, failure.Code);
            }
        }

        await using var read = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await reader.FindAsync(read, null, consultationId, cancellationToken))!;
    }

    private async Task CancelAtGatewayAsync(Guid consultationId, string orderId, CancellationToken cancellationToken)
    {
        try
        {
            if (!await gateway.CancelAsync(orderId, cancellationToken))
            {
                LogGatewayCancelRefused(consultationId, orderId);
            }
        }
        catch (PaymentGatewayException)
        {
            // The Snap page expires on its own; a payment made before that arrives as a late payment and is owed back.
            LogGatewayCancelRefused(consultationId, orderId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consultation {ConsultationId} cancelled, but the gateway did not cancel order {OrderId}; a late payment would be marked for refund")]
    private partial void LogGatewayCancelRefused(Guid consultationId, string orderId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Automatic refund of cancelled consultation {ConsultationId} did not complete ({Code}); it stays due")]
    private partial void LogAutoRefundFailed(Guid consultationId, string code);
}
