using System.Globalization;
using ClinicChat.Infrastructure;

namespace ClinicChat.Doctors;

/// <summary>Wire shape of one working interval: local clinic time, English day name.</summary>
public sealed record ScheduleEntryDto(string? DayOfWeek, string? Start, string? End);

public readonly record struct ScheduleInterval(DayOfWeek Day, TimeOnly Start, TimeOnly End)
{
    public ScheduleEntryDto ToDto() => new(Day.ToString(), Start.ToString("HH:mm", CultureInfo.InvariantCulture), End.ToString("HH:mm", CultureInfo.InvariantCulture));
}

/// <summary>A doctor's weekly working hours in the clinic's time zone.</summary>
public sealed class WeeklySchedule(IReadOnlyList<ScheduleInterval> intervals)
{
    public IReadOnlyList<ScheduleInterval> Intervals { get; } = [.. intervals.OrderBy(i => i.Day).ThenBy(i => i.Start)];

    /// <summary>True when the instant, seen on the clinic's wall clock, falls inside a working interval.</summary>
    public bool Contains(DateTimeOffset instant, TimeZoneInfo clinicZone)
    {
        var local = TimeZoneInfo.ConvertTime(instant, clinicZone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        return Intervals.Any(i => i.Day == local.DayOfWeek && i.Start <= time && time < i.End);
    }

    public static WeeklySchedule? Parse(IReadOnlyList<ScheduleEntryDto?>? entries, FieldErrors errors)
    {
        if (entries is null)
        {
            errors.Add("body", "A schedule (a JSON array, possibly empty) is required.");
            return null;
        }

        var intervals = new List<ScheduleInterval>();
        for (var index = 0; index < entries.Count; index++)
        {
            var entry = entries[index];
            var prefix = $"[{index}]";
            if (entry is null)
            {
                errors.Add(prefix, "Entry must be an object.");
                continue;
            }

            var dayOk = TryParseDay(entry.DayOfWeek, out var day);
            if (!dayOk)
            {
                errors.Add($"{prefix}.dayOfWeek", "Day must be an English day name such as Monday.");
            }

            var startOk = TryParseTime(entry.Start, out var start);
            if (!startOk)
            {
                errors.Add($"{prefix}.start", "Start must be a time such as 08:00.");
            }

            var endOk = TryParseTime(entry.End, out var end);
            if (!endOk)
            {
                errors.Add($"{prefix}.end", "End must be a time such as 17:00.");
            }

            if (startOk && endOk && start >= end)
            {
                errors.Add($"{prefix}.end", "End must be after start (intervals cannot cross midnight).");
                continue;
            }

            if (dayOk && startOk && endOk)
            {
                var candidate = new ScheduleInterval(day, start, end);
                if (intervals.FirstOrDefault(i => i.Day == day && i.Start < end && start < i.End) is { End: var otherEnd } clash && otherEnd != default)
                {
                    errors.Add(prefix, $"{day} {start:HH\\:mm}-{end:HH\\:mm} overlaps {clash.Start:HH\\:mm}-{clash.End:HH\\:mm} on the same day.");
                    continue;
                }

                intervals.Add(candidate);
            }
        }

        return errors.Any ? null : new WeeklySchedule(intervals);
    }

    /// <summary>English day names only: Enum.TryParse would also take "1" or "Monday,Tuesday" (which is Wednesday).</summary>
    private static bool TryParseDay(string? value, out DayOfWeek day)
    {
        var trimmed = value?.Trim();
        foreach (var candidate in Enum.GetValues<DayOfWeek>())
        {
            if (string.Equals(candidate.ToString(), trimmed, StringComparison.OrdinalIgnoreCase))
            {
                day = candidate;
                return true;
            }
        }

        day = default;
        return false;
    }

    private static bool TryParseTime(string? value, out TimeOnly time) =>
        TimeOnly.TryParseExact(value?.Trim(), ["HH:mm", "H:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
}
