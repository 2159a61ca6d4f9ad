namespace ClinicChat.Tests.Doctors;

public sealed record ScheduleEntry(string DayOfWeek, string Start, string End);

public sealed record DoctorResponse(
    Guid Id,
    string DisplayName,
    string Specialty,
    long Fee,
    string Bio,
    List<ScheduleEntry> Schedule,
    bool AvailableNow,
    bool Online);
