using Dapper;
using Npgsql;

namespace ClinicChat.Consultations;

/// <summary>Reads consultations in their wire shape; remainingSeconds is computed from the injected clock.</summary>
public sealed class ConsultationReader(TimeProvider time)
{
    private const string Select = """
        select c.id, c.patient_id, pu.display_name as patient_name, c.doctor_id, du.display_name as doctor_name,
               c.status, c.fee, c.starts_at, c.ends_at, c.conversation_id, c.refund_due, c.cancel_reason,
               c.created_at, c.payment_due_at, c.accept_due_at, c.warning_sent_at,
               p.provider as payment_provider, p.order_id as payment_order_id, p.status as payment_status,
               p.token as payment_token, p.redirect_url as payment_redirect_url,
               r.status as refund_status, r.amount as refund_amount, r.refunded_at, r.refund_key
        from consultations c
        join users pu on pu.id = c.patient_id
        join users du on du.id = c.doctor_id
        left join lateral (
            select provider, order_id, status, token, redirect_url from payments
            where consultation_id = c.id order by created_at desc limit 1
        ) p on true
        left join lateral (
            select status, amount, refunded_at, refund_key from refunds
            where consultation_id = c.id order by created_at desc, id desc limit 1
        ) r on true
        """;

    public async Task<ConsultationDto?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            Select + " where c.id = @Id", new { Id = id }, transaction, cancellationToken: cancellationToken));
        return row is null ? null : ToDto(row);
    }

    /// <summary>Mine as patient or doctor, newest first; <paramref name="everyone"/> for admins.</summary>
    public async Task<IReadOnlyList<ConsultationDto>> ListAsync(NpgsqlConnection connection, Guid userId, bool everyone, string? status, int limit, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            Select + """
             where (@Everyone or c.patient_id = @UserId or c.doctor_id = @UserId)
               and (@Status::text is null or c.status = @Status)
             order by c.created_at desc, c.id desc
             limit @Limit
            """,
            new { UserId = userId, Everyone = everyone, Status = status, Limit = limit }, cancellationToken: cancellationToken));
        return [.. rows.Select(ToDto)];
    }

    /// <summary>For admins: consultations whose refund is due (oldest cancellation first), or refunded ones (latest refund first).</summary>
    public async Task<IReadOnlyList<ConsultationDto>> ListRefundsAsync(NpgsqlConnection connection, bool due, int limit, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            Select + (due
                ? " where c.refund_due order by c.cancelled_at, c.id limit @Limit"
                : " where r.status = 'succeeded' order by r.refunded_at desc, c.id limit @Limit"),
            new { Limit = limit }, cancellationToken: cancellationToken));
        return [.. rows.Select(ToDto)];
    }

    private ConsultationDto ToDto(Row r)
    {
        var now = time.GetUtcNow();
        var remaining = r.Status == ConsultationStatuses.Active && r.EndsAt > now
            ? (long)Math.Ceiling((r.EndsAt - now).TotalSeconds)
            : 0;
        var payment = r.PaymentOrderId is null
            ? null
            : new PaymentDto(r.PaymentProvider!, r.PaymentOrderId, r.PaymentStatus!, r.PaymentToken, r.PaymentRedirectUrl);
        return new ConsultationDto(r.Id, r.PatientId, r.DoctorId, r.Status, r.Fee, r.StartsAt, r.EndsAt, remaining,
            r.ConversationId, payment, r.PatientName, r.DoctorName, r.RefundDue, r.CancelReason, r.CreatedAt,
            r.Status == ConsultationStatuses.AwaitingPayment ? r.PaymentDueAt : null,
            r.Status == ConsultationStatuses.Paid ? r.AcceptDueAt : null,
            r.Status == ConsultationStatuses.Active ? r.WarningSentAt : null,
            r.RefundKey is null ? null : new RefundDto(r.RefundStatus!, r.RefundAmount!.Value, r.RefundedAt, r.RefundKey));
    }

    private sealed record Row(
        Guid Id, Guid PatientId, string PatientName, Guid DoctorId, string DoctorName, string Status, long Fee,
        DateTimeOffset StartsAt, DateTimeOffset EndsAt, Guid? ConversationId, bool RefundDue, string? CancelReason,
        DateTimeOffset CreatedAt, DateTimeOffset PaymentDueAt, DateTimeOffset? AcceptDueAt, DateTimeOffset? WarningSentAt,
        string? PaymentProvider, string? PaymentOrderId, string? PaymentStatus, string? PaymentToken, string? PaymentRedirectUrl,
        string? RefundStatus, long? RefundAmount, DateTimeOffset? RefundedAt, string? RefundKey);
}

public static class ConsultationViews
{
    /// <summary>The payer's checkout token and page are the patient's business only.</summary>
    public static ConsultationDto ForViewer(this ConsultationDto dto, Guid viewerId) =>
        viewerId == dto.PatientId || dto.Payment is null
            ? dto
            : dto with { Payment = dto.Payment with { Token = null, RedirectUrl = null } };
}
