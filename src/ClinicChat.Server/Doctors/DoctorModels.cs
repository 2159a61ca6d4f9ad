using ClinicChat.Infrastructure;

namespace ClinicChat.Doctors;

public sealed record DoctorDto(
    Guid Id,
    string DisplayName,
    string Specialty,
    long Fee,
    string Bio,
    IReadOnlyList<ScheduleEntryDto> Schedule,
    bool AvailableNow,
    bool Online);

public sealed record DoctorProfileRequest(string? Specialty, long? Fee, [MultilineText] string? Bio);

internal sealed record DoctorRow(Guid Id, string DisplayName, string Specialty, long Fee, string Bio, int Capacity);

internal sealed record ScheduleRow(Guid DoctorId, short DayOfWeek, TimeOnly StartTime, TimeOnly EndTime);
