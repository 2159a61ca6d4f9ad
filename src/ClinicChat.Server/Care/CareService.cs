using ClinicChat.Accounts;
using ClinicChat.Audit;
using ClinicChat.Conversations;
using ClinicChat.Infrastructure;
using ClinicChat.Realtime;
using Dapper;
using Npgsql;

namespace ClinicChat.Care;

/// <summary>
/// Care chat: one current nurse per patient, one conversation per (patient, nurse) pair. Reassigning ends the
/// old pair, whose conversation stays readable by both but turns read-only, so that "my nurse" is never ambiguous;
/// assigning a former nurse again reopens their old conversation rather than starting a second one.
/// </summary>
public sealed class CareService(
    NpgsqlDataSource dataSource,
    ConversationStore conversations,
    MessageSender sender,
    AuditLog audit,
    IPresence presence,
    TimeProvider time)
{
    public static readonly Failure NoNurse = Failure.NotFound("care.nurse_not_assigned", "An assigned nurse");

    /// <summary>Every current assignment, for the admin's overview (no message content).</summary>
    public async Task<IReadOnlyList<CareAssignmentViewDto>> CurrentAssignmentsAsync(CancellationToken cancellationToken)
    {
        const string sql = """
            select a.patient_id, p.display_name as patient_name, a.nurse_id, n.display_name as nurse_name,
                   a.conversation_id, a.assigned_at
            from care_assignments a
            join users p on p.id = a.patient_id
            join users n on n.id = a.nurse_id
            where a.ended_at is null
            order by p.display_name, a.patient_id
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<CareAssignmentViewDto>(new CommandDefinition(sql, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<Outcome<CareAssignmentDto>> AssignAsync(Guid patientId, Guid? nurseId, Guid adminId, CancellationToken cancellationToken)
    {
        if (nurseId is not { } nurse)
        {
            return Failure.Field("nurseId", "nurseId is required.");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Locking both users (in id order, so concurrent assignments cannot deadlock) serialises assignments per patient.
        var users = (await connection.QueryAsync<(Guid Id, string Role, bool Disabled)>(new CommandDefinition(
            "select id, role, disabled_at is not null from users where id = any(@Ids) order by id for update",
            new { Ids = new[] { patientId, nurse } }, transaction, cancellationToken: cancellationToken))).ToDictionary(u => u.Id);
        if (!users.TryGetValue(patientId, out var patient) || patient.Role != Roles.Patient)
        {
            return Failure.NotFound("patient.not_found", "Patient");
        }

        if (!users.TryGetValue(nurse, out var nurseRow) || nurseRow.Role != Roles.Nurse || nurseRow.Disabled)
        {
            return Failure.Field("nurseId", "nurseId must be an active nurse's user id.");
        }

        var now = time.GetUtcNow();
        var current = await connection.QuerySingleOrDefaultAsync<AssignmentRow>(new CommandDefinition(
            "select id, nurse_id, conversation_id, assigned_at from care_assignments where patient_id = @PatientId and ended_at is null",
            new { PatientId = patientId }, transaction, cancellationToken: cancellationToken));
        if (current?.NurseId == nurse)
        {
            return new CareAssignmentDto(patientId, nurse, current.ConversationId, current.AssignedAt);
        }

        if (current is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "update care_assignments set ended_at = @Now where id = @Id", new { current.Id, Now = now }, transaction, cancellationToken: cancellationToken));
            await conversations.SetStatusAsync(connection, transaction, current.ConversationId, ConversationStatuses.ReadOnly, cancellationToken);
        }

        var former = await connection.QuerySingleOrDefaultAsync<AssignmentRow>(new CommandDefinition(
            "select id, nurse_id, conversation_id, assigned_at from care_assignments where patient_id = @PatientId and nurse_id = @NurseId",
            new { PatientId = patientId, NurseId = nurse }, transaction, cancellationToken: cancellationToken));
        Guid conversationId;
        if (former is not null)
        {
            conversationId = former.ConversationId;
            await connection.ExecuteAsync(new CommandDefinition(
                "update care_assignments set ended_at = null, assigned_at = @Now where id = @Id",
                new { former.Id, Now = now }, transaction, cancellationToken: cancellationToken));
            await conversations.SetStatusAsync(connection, transaction, conversationId, ConversationStatuses.Open, cancellationToken);
        }
        else
        {
            conversationId = await conversations.CreateAsync(connection, transaction, ConversationKinds.Care, ConversationStatuses.Open, [patientId, nurse], cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                """
                insert into care_assignments (id, patient_id, nurse_id, conversation_id, assigned_at)
                values (@Id, @PatientId, @NurseId, @ConversationId, @Now)
                """,
                new { Id = Guid.CreateVersion7(), PatientId = patientId, NurseId = nurse, ConversationId = conversationId, Now = now },
                transaction, cancellationToken: cancellationToken));
        }

        await audit.WriteAsync(connection, transaction, adminId, "care.nurse_assigned", "user", patientId.ToString(),
            new { nurseId = nurse, previousNurseId = current?.NurseId, conversationId }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new CareAssignmentDto(patientId, nurse, conversationId, now);
    }

    public async Task<IReadOnlyList<CarePatientDto>> PatientsAsync(Guid nurseId, CancellationToken cancellationToken)
    {
        const string sql = $"""
            select a.patient_id, u.display_name, a.conversation_id, a.assigned_at,
                   {ConversationQueries.UnreadExpression} as unread_count,
                   {ConversationQueries.LastMessageColumns}
            from care_assignments a
            join users u on u.id = a.patient_id
            join conversations c on c.id = a.conversation_id
            join conversation_members me on me.conversation_id = c.id and me.user_id = a.nurse_id
            {ConversationQueries.LastMessageJoin}
            where a.nurse_id = @NurseId and a.ended_at is null
            order by c.last_activity_at desc, a.patient_id
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<PatientRow>(new CommandDefinition(sql, new { NurseId = nurseId }, cancellationToken: cancellationToken));
        List<CarePatientDto> patients = [.. rows.Select(r => new CarePatientDto(r.PatientId, r.DisplayName, r.ConversationId, r.AssignedAt,
            r.LastMessageIn(r.ConversationId),
            r.UnreadCount, presence.IsOnline(r.PatientId)))];
        return await MessageAttachmentReader.WithLastMessageAttachmentsAsync(connection, patients, p => p.LastMessage, (p, m) => p with { LastMessage = m }, cancellationToken);
    }

    public async Task<CareNurseDto?> NurseAsync(Guid patientId, CancellationToken cancellationToken)
    {
        const string sql = """
            select a.nurse_id, u.display_name, u.role, a.conversation_id, a.assigned_at
            from care_assignments a join users u on u.id = a.nurse_id
            where a.patient_id = @PatientId and a.ended_at is null
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(Guid NurseId, string DisplayName, string Role, Guid ConversationId, DateTimeOffset AssignedAt)?>(
            new CommandDefinition(sql, new { PatientId = patientId }, cancellationToken: cancellationToken));
        return row is { } r ? new CareNurseDto(r.NurseId, r.DisplayName, r.Role, r.ConversationId, r.AssignedAt, presence.IsOnline(r.NurseId)) : null;
    }

    /// <summary>Resolves the current pair's conversation, then sends through the one send path.</summary>
    public async Task<Outcome<SendResult>> SendAsync(ChatCaller caller, string role, Guid? patientId, string? clientMessageId, string? text, Guid[]? attachmentIds,
        CancellationToken cancellationToken)
    {
        string sql;
        object args;
        switch (role)
        {
            case Roles.Patient:
                sql = "select conversation_id from care_assignments where patient_id = @UserId and ended_at is null";
                args = new { caller.UserId };
                break;
            case Roles.Nurse when patientId is null:
                return Failure.Field("patientId", "patientId is required: the assigned patient to write to.");
            case Roles.Nurse:
                sql = "select conversation_id from care_assignments where patient_id = @PatientId and nurse_id = @UserId and ended_at is null";
                args = new { caller.UserId, PatientId = patientId };
                break;
            default:
                return Failure.Forbidden("care.not_a_party", "Care chat is between patients and their assigned nurse.");
        }

        Guid? conversationId;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            conversationId = await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(sql, args, cancellationToken: cancellationToken));
        }

        if (conversationId is not { } id)
        {
            return role == Roles.Patient
                ? NoNurse
                : Failure.NotFound("care.patient_not_assigned", "This patient among your assigned patients");
        }

        return await sender.SendAsync(caller, id, clientMessageId, text, attachmentIds, originConnectionId: null, cancellationToken);
    }

    private sealed record AssignmentRow(Guid Id, Guid NurseId, Guid ConversationId, DateTimeOffset AssignedAt);

    private sealed class PatientRow : LastMessageRow
    {
        public Guid PatientId { get; init; }

        public string DisplayName { get; init; } = "";

        public Guid ConversationId { get; init; }

        public DateTimeOffset AssignedAt { get; init; }

        public long UnreadCount { get; init; }
    }
}
