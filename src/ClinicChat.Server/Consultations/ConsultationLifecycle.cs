using ClinicChat.Audit;
using ClinicChat.Conversations;
using ClinicChat.Infrastructure;
using ClinicChat.Payments;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClinicChat.Consultations;

/// <summary>
/// Every state change of a consultation after booking. Each change is one transaction that locks the
/// consultation row first (then payments, then the conversation: always that order, so paths never
/// deadlock each other) and re-checks the status it moves out of, so a change happens at most once
/// however many requests, webhooks or scheduler instances race for it.
/// </summary>
public sealed partial class ConsultationLifecycle(
    NpgsqlDataSource dataSource,
    ConversationStore conversations,
    SystemNotes notes,
    ConsultationReader reader,
    ConsultationEvents events,
    AuditLog audit,
    IOptions<ConsultationOptions> options,
    TimeProvider time,
    ILogger<ConsultationLifecycle> logger)
{
    private const int Batch = 100;

    // One in-process run at a time: the background loop and a direct call then never see each other's
    // rows as "locked, skip", so a caller that awaits a run knows everything due has been handled.
    private readonly SemaphoreSlim _runGate = new(1, 1);

    internal sealed record Locked(Guid Id, Guid PatientId, Guid DoctorId, string Status, DateTimeOffset StartsAt, DateTimeOffset EndsAt,
        Guid? ConversationId, DateTimeOffset? AcceptDueAt);

    internal static Task<Locked?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<Locked>(new CommandDefinition(
            """
            select id, patient_id, doctor_id, status, starts_at, ends_at, conversation_id, accept_due_at
            from consultations where id = @Id for update
            """,
            new { Id = id }, transaction, cancellationToken: cancellationToken));

    /// <summary>awaiting_payment -> paid: creates the read-only consultation conversation and starts the accept clock.</summary>
    internal async Task<ConsultationNotice> MarkPaidAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Locked consultation, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var conversationId = await conversations.CreateAsync(connection, transaction, ConversationKinds.Consultation,
            ConversationStatuses.ReadOnly, [consultation.PatientId, consultation.DoctorId], cancellationToken);
        // The doctor gets the full accept window even for a slot booked ahead: it counts from the later of payment and start.
        var acceptDue = (consultation.StartsAt > now ? consultation.StartsAt : now) + options.Value.AcceptTimeout;
        await connection.ExecuteAsync(new CommandDefinition(
            """
            update consultations set status = 'paid', paid_at = @Now, accept_due_at = @AcceptDue, conversation_id = @ConversationId
            where id = @Id and status = 'awaiting_payment'
            """,
            new { consultation.Id, Now = now, AcceptDue = acceptDue, ConversationId = conversationId }, transaction, cancellationToken: cancellationToken));
        return new ConsultationNotice(consultation.Id, NoticeKind.Requested);
    }

    /// <summary>awaiting_payment -> cancelled because the payer's attempt failed; no money moved, so no refund.</summary>
    internal async Task<ConsultationNotice> MarkPaymentFailedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Locked consultation, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            """
            update consultations set status = 'cancelled', cancelled_at = @Now, cancel_reason = 'payment_failed'
            where id = @Id and status = 'awaiting_payment'
            """,
            new { consultation.Id, Now = time.GetUtcNow() }, transaction, cancellationToken: cancellationToken));
        return new ConsultationNotice(consultation.Id, NoticeKind.Updated);
    }

    /// <summary>Money arrived for a consultation already cancelled (payment window ran out first): owe it back.</summary>
    internal async Task<ConsultationNotice> MarkLatePaymentAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Locked consultation, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "update consultations set refund_due = true where id = @Id and status = 'cancelled'",
            new { consultation.Id }, transaction, cancellationToken: cancellationToken));
        return new ConsultationNotice(consultation.Id, NoticeKind.Updated);
    }

    public Task<Outcome<ConsultationDto>> AcceptAsync(Guid consultationId, Guid doctorId, CancellationToken cancellationToken) =>
        DoctorActionAsync(consultationId, doctorId, "accept", ConsultationStatuses.Paid, async (connection, transaction, scope, c, now) =>
        {
            // The session starts when the doctor accepts and keeps the booked length.
            var endsAt = now + (c.EndsAt - c.StartsAt);
            await connection.ExecuteAsync(new CommandDefinition(
                """
                update consultations set status = 'active', accepted_at = @Now, starts_at = @Now, ends_at = @EndsAt
                where id = @Id and status = 'paid'
                """,
                new { c.Id, Now = now, EndsAt = endsAt }, transaction, cancellationToken: cancellationToken));
            await conversations.SetStatusAsync(connection, transaction, c.ConversationId!.Value, ConversationStatuses.Open, cancellationToken);
            await scope.AppendAsync(connection, transaction, c.ConversationId!.Value, "Consultation started.", cancellationToken);
            return new ConsultationNotice(c.Id, NoticeKind.Updated);
        }, cancellationToken);

    public Task<Outcome<ConsultationDto>> DeclineAsync(Guid consultationId, Guid doctorId, CancellationToken cancellationToken) =>
        DoctorActionAsync(consultationId, doctorId, "decline", ConsultationStatuses.Paid, async (connection, transaction, scope, c, now) =>
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                update consultations set status = 'cancelled', cancelled_at = @Now, cancel_reason = 'declined', refund_due = true
                where id = @Id and status = 'paid'
                """,
                new { c.Id, Now = now }, transaction, cancellationToken: cancellationToken));
            await scope.AppendAsync(connection, transaction, c.ConversationId!.Value,
                "The doctor declined this consultation. The fee will be refunded.", cancellationToken);
            return new ConsultationNotice(c.Id, NoticeKind.Updated);
        }, cancellationToken);

    public Task<Outcome<ConsultationDto>> EndAsync(Guid consultationId, Guid doctorId, CancellationToken cancellationToken) =>
        DoctorActionAsync(consultationId, doctorId, "end", ConsultationStatuses.Active, async (connection, transaction, scope, c, now) =>
        {
            await CompleteAsync(connection, transaction, scope, c.Id, c.ConversationId!.Value, now, endedEarly: true, cancellationToken);
            return new ConsultationNotice(c.Id, NoticeKind.Updated);
        }, cancellationToken);

    private async Task<Outcome<ConsultationDto>> DoctorActionAsync(
        Guid consultationId,
        Guid doctorId,
        string action,
        string requiredStatus,
        Func<NpgsqlConnection, NpgsqlTransaction, SystemNotes.Scope, Locked, DateTimeOffset, Task<ConsultationNotice>> change,
        CancellationToken cancellationToken)
    {
        ConsultationNotice notice;
        using var scope = notes.Begin();
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var c = await LockAsync(connection, transaction, consultationId, cancellationToken);
            if (c is null || (c.DoctorId != doctorId && c.PatientId != doctorId))
            {
                return Failure.NotFound("consultation.not_found", "Consultation");
            }

            if (c.DoctorId != doctorId)
            {
                return Failure.Forbidden("consultation.not_the_doctor", $"Only the booked doctor may {action} this consultation.");
            }

            if (c.Status != requiredStatus)
            {
                var done = action switch { "accept" => "accepted", "decline" => "declined", _ => "ended" };
                var article = requiredStatus == ConsultationStatuses.Active ? "an" : "a";
                return WrongState("consultation.wrong_state", c.Status, $"The consultation is {c.Status}; only {article} {requiredStatus} consultation can be {done}.");
            }

            var now = time.GetUtcNow();
            if (action == "accept" && c.AcceptDueAt is { } due && due <= now)
            {
                // The scheduler cancels it on its next run; accepting now would race that refund.
                return WrongState("consultation.accept_expired", c.Status, $"The time to accept ran out at {due:u}; the consultation is being cancelled for refund.");
            }

            // Every action here that writes a note has a conversation (paid or active); lock it before changing its row.
            await scope.LockAsync(c.ConversationId!.Value, cancellationToken);
            notice = await change(connection, transaction, scope, c, now);
            await audit.WriteAsync(connection, transaction, doctorId, $"consultation.{action}", "consultation", consultationId.ToString(), null, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await scope.PublishAsync();

        await events.PublishAsync([notice], cancellationToken);
        await using var read = await dataSource.OpenConnectionAsync(cancellationToken);
        var dto = await reader.FindAsync(read, null, consultationId, cancellationToken);
        return dto!;
    }

    /// <summary>409 naming the status the consultation is actually in, so a client can refresh just that.</summary>
    internal static Failure WrongState(string code, string status, string message) =>
        new(code, FailureKind.Conflict, message, Extensions: new Dictionary<string, object?> { ["consultationStatus"] = status });

    private async Task CompleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SystemNotes.Scope scope, Guid id, Guid conversationId, DateTimeOffset now, bool endedEarly, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            endedEarly
                ? "update consultations set status = 'completed', completed_at = @Now, ends_at = @Now where id = @Id and status = 'active'"
                : "update consultations set status = 'completed', completed_at = @Now where id = @Id and status = 'active'",
            new { Id = id, Now = now }, transaction, cancellationToken: cancellationToken));
        await conversations.SetStatusAsync(connection, transaction, conversationId, ConversationStatuses.ReadOnly, cancellationToken);
        await scope.AppendAsync(connection, transaction, conversationId,
            endedEarly ? "The doctor ended the consultation. This chat is now read-only." : "Consultation ended. This chat is now read-only.",
            cancellationToken);
    }

    /// <summary>
    /// Runs every transition that has fallen due by now: unpaid bookings expire, unaccepted ones are
    /// cancelled for refund, active ones get their warning and then complete. Safe to run from several
    /// instances at once: rows are claimed with FOR UPDATE SKIP LOCKED and updated only from the expected
    /// status, so each transition happens once. Returns how many transitions this call made.
    /// </summary>
    public async Task<int> RunDueTransitionsAsync(CancellationToken cancellationToken)
    {
        await _runGate.WaitAsync(cancellationToken);
        try
        {
            var total = 0;
            total += await DrainAsync(ExpireUnpaidAsync, cancellationToken);
            total += await DrainAsync(CancelUnacceptedAsync, cancellationToken);
            total += await DrainAsync(WarnEndingAsync, cancellationToken);
            total += await DrainAsync(CompleteEndedAsync, cancellationToken);
            return total;
        }
        finally
        {
            _runGate.Release();
        }
    }

    private async Task<int> DrainAsync(
        Func<NpgsqlConnection, NpgsqlTransaction, SystemNotes.Scope, DateTimeOffset, CancellationToken, Task<List<ConsultationNotice>>> step,
        CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            List<ConsultationNotice> notices;
            using (var scope = notes.Begin())
            {
                await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
                await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
                {
                    notices = await step(connection, transaction, scope, time.GetUtcNow(), cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                }

                await scope.PublishAsync();
            }

            await events.PublishAsync(notices, cancellationToken);
            total += notices.Count;
            if (notices.Count < Batch)
            {
                return total;
            }
        }
    }

    private async Task<List<ConsultationNotice>> ExpireUnpaidAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SystemNotes.Scope scope, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ids = (await connection.QueryAsync<Guid>(new CommandDefinition(
            """
            with due as (
                select id from consultations
                where status = 'awaiting_payment' and payment_due_at <= @Now
                order by payment_due_at limit @Batch
                for update skip locked
            )
            update consultations c set status = 'cancelled', cancelled_at = @Now, cancel_reason = 'payment_timeout'
            from due where c.id = due.id and c.status = 'awaiting_payment'
            returning c.id
            """,
            new { Now = now, Batch }, transaction, cancellationToken: cancellationToken))).AsList();
        if (ids.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                $"update payments set status = '{PaymentStatuses.Expired}', updated_at = @Now where consultation_id = any(@Ids) and status = 'pending'",
                new { Now = now, Ids = ids.ToArray() }, transaction, cancellationToken: cancellationToken));
            LogTransitions(ids.Count, "expired unpaid");
        }

        return ids.ConvertAll(id => new ConsultationNotice(id, NoticeKind.Updated));
    }

    private async Task<List<ConsultationNotice>> CancelUnacceptedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SystemNotes.Scope scope, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = (await connection.QueryAsync<(Guid Id, Guid ConversationId)>(new CommandDefinition(
            """
            with due as (
                select id from consultations
                where status = 'paid' and accept_due_at <= @Now
                order by accept_due_at limit @Batch
                for update skip locked
            )
            update consultations c set status = 'cancelled', cancelled_at = @Now, cancel_reason = 'accept_timeout', refund_due = true
            from due where c.id = due.id and c.status = 'paid'
            returning c.id, c.conversation_id
            """,
            new { Now = now, Batch }, transaction, cancellationToken: cancellationToken))).AsList();
        var notices = new List<ConsultationNotice>(rows.Count);
        foreach (var (id, conversationId) in rows)
        {
            await scope.LockAsync(conversationId, cancellationToken);
            await scope.AppendAsync(connection, transaction, conversationId,
                "The doctor did not accept in time. This consultation is cancelled and the fee will be refunded.", cancellationToken);
            notices.Add(new ConsultationNotice(id, NoticeKind.Updated));
        }

        if (rows.Count > 0)
        {
            LogTransitions(rows.Count, "cancelled unaccepted");
        }

        return notices;
    }

    private async Task<List<ConsultationNotice>> WarnEndingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SystemNotes.Scope scope, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Only sessions still running: one that ended while the server was down completes without a stale warning.
        var rows = (await connection.QueryAsync<(Guid Id, Guid ConversationId, DateTimeOffset EndsAt)>(new CommandDefinition(
            """
            with due as (
                select id from consultations
                where status = 'active' and warning_sent_at is null and ends_at - @WarningBefore <= @Now and ends_at > @Now
                order by ends_at limit @Batch
                for update skip locked
            )
            update consultations c set warning_sent_at = @Now
            from due where c.id = due.id and c.status = 'active' and c.warning_sent_at is null
            returning c.id, c.conversation_id, c.ends_at
            """,
            new { Now = now, options.Value.WarningBefore, Batch }, transaction, cancellationToken: cancellationToken))).AsList();
        var notices = new List<ConsultationNotice>(rows.Count);
        foreach (var (id, conversationId, endsAt) in rows)
        {
            var minutes = Math.Max(1, (int)Math.Ceiling((endsAt - now).TotalMinutes));
            await scope.LockAsync(conversationId, cancellationToken);
            await scope.AppendAsync(connection, transaction, conversationId,
                minutes == 1 ? "This consultation ends in 1 minute." : $"This consultation ends in {minutes} minutes.", cancellationToken);
            notices.Add(new ConsultationNotice(id, NoticeKind.Expiring));
        }

        return notices;
    }

    private async Task<List<ConsultationNotice>> CompleteEndedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SystemNotes.Scope scope, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = (await connection.QueryAsync<(Guid Id, Guid ConversationId)>(new CommandDefinition(
            """
            select id, conversation_id from consultations
            where status = 'active' and ends_at <= @Now
            order by ends_at limit @Batch
            for update skip locked
            """,
            new { Now = now, Batch }, transaction, cancellationToken: cancellationToken))).AsList();
        var notices = new List<ConsultationNotice>(rows.Count);
        foreach (var (id, conversationId) in rows)
        {
            await scope.LockAsync(conversationId, cancellationToken);
            await CompleteAsync(connection, transaction, scope, id, conversationId, now, endedEarly: false, cancellationToken);
            notices.Add(new ConsultationNotice(id, NoticeKind.Updated));
        }

        if (rows.Count > 0)
        {
            LogTransitions(rows.Count, "completed");
        }

        return notices;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduler {Transition} {Count} consultation(s)")]
    private partial void LogTransitions(int count, string transition);
}
