using ClinicChat.Audit;
using ClinicChat.Infrastructure;
using ClinicChat.Realtime;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClinicChat.Doctors;

/// <summary>
/// Doctor profiles and schedules; also the schedule oracle that booking uses. A disabled doctor is gone from the
/// directory: not listed, not found, not editable and not bookable.
/// </summary>
public sealed class DoctorDirectory(NpgsqlDataSource dataSource, TimeProvider time, IOptions<ClinicOptions> clinic, IPresence presence, AuditLog audit)
{
    public const long MaxFee = 1_000_000_000;

    public async Task<IReadOnlyList<DoctorDto>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var doctors = await QueryDoctorsAsync(connection, null, cancellationToken);
        return doctors;
    }

    public async Task<DoctorDto?> FindAsync(Guid doctorId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var doctors = await QueryDoctorsAsync(connection, doctorId, cancellationToken);
        return doctors.Count == 1 ? doctors[0] : null;
    }

    public async Task<WeeklySchedule?> FindScheduleAsync(Guid doctorId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await IsDoctorAsync(connection, doctorId, cancellationToken))
        {
            return null;
        }

        var rows = await connection.QueryAsync<ScheduleRow>(new CommandDefinition(
            "select doctor_id, day_of_week, start_time, end_time from doctor_schedule where doctor_id = @Id",
            new { Id = doctorId }, cancellationToken: cancellationToken));
        return ToSchedule(rows);
    }

    public async Task<bool> UpdateProfileAsync(Guid doctorId, string specialty, long fee, string bio, Guid actorId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            """
            update doctor_profiles p set specialty = @Specialty, fee = @Fee, bio = @Bio
            from users u where u.id = p.doctor_id and u.role = 'doctor' and u.disabled_at is null and p.doctor_id = @Id
            """,
            new { Id = doctorId, Specialty = specialty, Fee = fee, Bio = bio }, cancellationToken: cancellationToken));
        if (updated == 1)
        {
            await audit.WriteAsync(connection, null, actorId, "doctor.profile_updated", "user", doctorId.ToString(), new { fee }, cancellationToken);
        }

        return updated == 1;
    }

    public async Task<bool> ReplaceScheduleAsync(Guid doctorId, WeeklySchedule schedule, Guid actorId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select exists (select 1 from users where id = @Id and role = 'doctor' and disabled_at is null for update)",
            new { Id = doctorId }, transaction, cancellationToken: cancellationToken));
        if (!exists)
        {
            return false;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "delete from doctor_schedule where doctor_id = @Id", new { Id = doctorId }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "insert into doctor_schedule (doctor_id, day_of_week, start_time, end_time) values (@DoctorId, @DayOfWeek, @StartTime, @EndTime)",
            schedule.Intervals.Select(i => new { DoctorId = doctorId, DayOfWeek = (short)i.Day, StartTime = i.Start, EndTime = i.End }),
            transaction, cancellationToken: cancellationToken));
        await audit.WriteAsync(connection, transaction, actorId, "doctor.schedule_updated", "user", doctorId.ToString(), null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private async Task<IReadOnlyList<DoctorDto>> QueryDoctorsAsync(NpgsqlConnection connection, Guid? doctorId, CancellationToken cancellationToken)
    {
        const string doctorsSql = """
            select u.id, u.display_name, p.specialty, p.fee, p.bio, p.capacity
            from users u join doctor_profiles p on p.doctor_id = u.id
            where u.role = 'doctor' and u.disabled_at is null and (@Id::uuid is null or u.id = @Id)
            order by u.display_name, u.id
            """;
        const string scheduleSql = """
            select s.doctor_id, s.day_of_week, s.start_time, s.end_time
            from doctor_schedule s join users u on u.id = s.doctor_id
            where u.role = 'doctor' and u.disabled_at is null and (@Id::uuid is null or s.doctor_id = @Id)
            """;
        var args = new { Id = doctorId };
        var doctors = (await connection.QueryAsync<DoctorRow>(new CommandDefinition(doctorsSql, args, cancellationToken: cancellationToken))).AsList();
        var schedules = (await connection.QueryAsync<ScheduleRow>(new CommandDefinition(scheduleSql, args, cancellationToken: cancellationToken)))
            .GroupBy(r => r.DoctorId)
            .ToDictionary(g => g.Key, ToSchedule);
        var now = time.GetUtcNow();
        var zone = clinic.Value.TimeZoneInfo;
        return doctors.ConvertAll(d =>
        {
            var schedule = schedules.GetValueOrDefault(d.Id) ?? new WeeklySchedule([]);
            return new DoctorDto(d.Id, d.DisplayName, d.Specialty, d.Fee, d.Bio,
                [.. schedule.Intervals.Select(i => i.ToDto())], schedule.Contains(now, zone), presence.IsOnline(d.Id));
        });
    }

    private static Task<bool> IsDoctorAsync(NpgsqlConnection connection, Guid id, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select exists (select 1 from users where id = @Id and role = 'doctor' and disabled_at is null)", new { Id = id }, cancellationToken: cancellationToken));

    private static WeeklySchedule ToSchedule(IEnumerable<ScheduleRow> rows) =>
        new([.. rows.Select(r => new ScheduleInterval((DayOfWeek)r.DayOfWeek, r.StartTime, r.EndTime))]);
}
