using ClinicChat.Infrastructure;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClinicChat.Support;

/// <summary>
/// Desk numbers. "Today" is the clinic's calendar day (ClinicOptions time zone), not the server's or UTC's.
/// First response and resolution are derived from messages and room times rather than stored counters, so
/// they stay right however messages reached the room (REST, hub, or the support send route).
/// </summary>
public sealed class SupportStats(NpgsqlDataSource dataSource, TimeProvider time, IOptions<ClinicOptions> clinic)
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(7);
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(366);

    // First response: from a room's first user message to the first later message by someone else (an
    // admin; system notes have no sender). Counted for rooms whose first user message lies in the window;
    // rooms still unanswered are left out of the median. Resolution: opened to closed, for rooms closed in
    // the window.
    private const string Sql = """
        with first_question as (
            select r.conversation_id, r.user_id, q.seq, q.created_at
            from support_rooms r
            cross join lateral (
                select m.seq, m.created_at from messages m
                where m.conversation_id = r.conversation_id and m.sender_id = r.user_id
                order by m.seq limit 1
            ) q
            where r.opened_at < @To and (r.closed_at is null or r.closed_at >= @From)
        ),
        first_answer as (
            select extract(epoch from a.created_at - q.created_at)::float8 as seconds
            from first_question q
            cross join lateral (
                select m.created_at from messages m
                where m.conversation_id = q.conversation_id and m.seq > q.seq
                  and m.sender_id is not null and m.sender_id <> q.user_id
                order by m.seq limit 1
            ) a
            where q.created_at >= @From and q.created_at < @To
        ),
        resolved as (
            select extract(epoch from closed_at - opened_at)::float8 as seconds
            from support_rooms where closed_at >= @From and closed_at < @To
        )
        select
            (select count(*) from support_rooms where closed_at is null) as open,
            (select count(*) from support_rooms where closed_at is null and assigned_admin_id is null) as unassigned,
            (select count(*) from support_rooms where closed_at >= @DayStart and closed_at < @DayEnd) as closed_today,
            (select count(*) from support_rooms r join messages m on m.conversation_id = r.conversation_id
             where r.opened_at < @DayEnd and (r.closed_at is null or r.closed_at >= @DayStart)
               and m.created_at >= @DayStart and m.created_at < @DayEnd and m.kind <> 'system') as messages_today,
            (select percentile_cont(0.5) within group (order by seconds) from first_answer) as median_first_response_seconds,
            (select count(*) from first_answer) as responded_rooms,
            (select percentile_cont(0.5) within group (order by seconds) from resolved) as median_resolution_seconds,
            (select count(*) from resolved) as resolved_rooms
        """;

    public async Task<SupportStatsDto> ComputeAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        // Npgsql writes timestamptz only from UTC offsets; clients may send any offset.
        from = from.ToUniversalTime();
        to = to.ToUniversalTime();
        var zone = clinic.Value.TimeZoneInfo;
        var (dayStart, dayEnd) = Today(time.GetUtcNow(), zone);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleAsync<StatsRow>(new CommandDefinition(Sql, new
        {
            From = from,
            To = to,
            DayStart = dayStart,
            DayEnd = dayEnd,
        }, cancellationToken: cancellationToken));
        return new SupportStatsDto(
            from, to, clinic.Value.TimeZone, dayStart,
            row.Open, row.Unassigned, row.ClosedToday, row.MessagesToday,
            row.MedianFirstResponseSeconds, row.RespondedRooms, row.MedianResolutionSeconds, row.ResolvedRooms);
    }

    /// <summary>The clinic-local calendar day containing <paramref name="now"/>, as a UTC interval.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Today(DateTimeOffset now, TimeZoneInfo zone)
    {
        var localDate = TimeZoneInfo.ConvertTime(now, zone).Date;
        return (AtLocalMidnight(localDate, zone), AtLocalMidnight(localDate.AddDays(1), zone));
    }

    private static DateTimeOffset AtLocalMidnight(DateTime date, TimeZoneInfo zone)
    {
        var local = DateTime.SpecifyKind(date, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }

    private sealed record StatsRow(
        long Open,
        long Unassigned,
        long ClosedToday,
        long MessagesToday,
        double? MedianFirstResponseSeconds,
        long RespondedRooms,
        double? MedianResolutionSeconds,
        long ResolvedRooms);
}
