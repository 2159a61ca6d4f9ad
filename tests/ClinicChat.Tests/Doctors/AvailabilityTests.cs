using System.Net.Http.Json;
using System.Text;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Doctors;

/// <summary>
/// availableNow at chosen instants in the clinic's zone (Asia/Jakarta, UTC+7, no DST). Moves the fake clock
/// forward, so it has a server of its own; every test picks instants relative to the current clock.
/// </summary>
public sealed class AvailabilityTests(AvailabilityTests.App app) : IClassFixture<AvailabilityTests.App>
{
    public sealed class App : ClinicChatApp;

    private static readonly TimeSpan Jakarta = TimeSpan.FromHours(7);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The next instant after the clock's current time that reads <paramref name="day"/> <paramref name="time"/> in Jakarta.</summary>
    private DateTimeOffset NextJakarta(DayOfWeek day, TimeOnly time)
    {
        var local = app.Clock.GetUtcNow().ToOffset(Jakarta).Date.AddDays(1);
        while (local.DayOfWeek != day)
        {
            local = local.AddDays(1);
        }

        return new DateTimeOffset(local + time.ToTimeSpan(), Jakarta);
    }

    private async Task<TestUser> DoctorWithScheduleAsync(string json)
    {
        var doctor = await app.CreateStaffAsync("doctor");
        var response = await doctor.Http.PutAsync($"/api/v1/doctors/{doctor.Id}/schedule",
            new StringContent(json, Encoding.UTF8, "application/json"), Ct);
        await response.EnsureSuccessAsync();
        return doctor;
    }

    /// <summary>Sets the clock, then asks as a freshly logged-in patient (tokens from before the jump have expired).</summary>
    private async Task<bool> AvailableAtAsync(Guid doctorId, DateTimeOffset instant)
    {
        // FakeTimeProvider keeps the offset it is given, and the database takes only UTC instants.
        app.Clock.SetUtcNow(instant.ToUniversalTime());
        var patient = await app.RegisterPatientAsync();
        var one = await patient.Http.GetFromJsonAsync<DoctorResponse>($"/api/v1/doctors/{doctorId}", Ct);
        var all = await patient.Http.GetFromJsonAsync<List<DoctorResponse>>("/api/v1/doctors", Ct);
        Assert.Equal(one!.AvailableNow, all!.Single(d => d.Id == doctorId).AvailableNow);
        return one.AvailableNow;
    }

    [Fact]
    public async Task MondayMorningShiftCountsFromMidnightJakartaWhileItIsStillSundayInUtc()
    {
        var doctor = await DoctorWithScheduleAsync("""[{"dayOfWeek":"Monday","start":"00:00","end":"06:00"}]""");
        var sundayLate = NextJakarta(DayOfWeek.Sunday, new TimeOnly(23, 30));
        var mondayEarly = sundayLate.AddHours(1);
        Assert.Equal(DayOfWeek.Sunday, mondayEarly.UtcDateTime.DayOfWeek);

        Assert.False(await AvailableAtAsync(doctor.Id, sundayLate));
        Assert.True(await AvailableAtAsync(doctor.Id, mondayEarly));
    }

    [Fact]
    public async Task SundayEveningShiftEndsAtMidnightJakarta()
    {
        var doctor = await DoctorWithScheduleAsync("""[{"dayOfWeek":"Sunday","start":"20:00","end":"23:59"}]""");
        var sundayLate = NextJakarta(DayOfWeek.Sunday, new TimeOnly(23, 30));

        Assert.True(await AvailableAtAsync(doctor.Id, sundayLate));
        Assert.False(await AvailableAtAsync(doctor.Id, sundayLate.AddHours(1)));
    }

    [Fact]
    public async Task ShiftStartIsInclusiveAndEndIsExclusive()
    {
        var doctor = await DoctorWithScheduleAsync("""[{"dayOfWeek":"Wednesday","start":"08:00","end":"17:00"}]""");
        var start = NextJakarta(DayOfWeek.Wednesday, new TimeOnly(8, 0));

        Assert.True(await AvailableAtAsync(doctor.Id, start));
        Assert.True(await AvailableAtAsync(doctor.Id, start.AddHours(9).AddMinutes(-1)));
        Assert.False(await AvailableAtAsync(doctor.Id, start.AddHours(9)));
    }

    [Fact]
    public async Task EarlyMorningJakartaIsThePreviousDayInUtc()
    {
        // 06:00 Tuesday in Jakarta is 23:00 Monday UTC: a Tuesday shift must apply, a Monday one must not.
        var tuesdayShift = await DoctorWithScheduleAsync("""[{"dayOfWeek":"Tuesday","start":"05:00","end":"07:00"}]""");
        var mondayShift = await DoctorWithScheduleAsync("""[{"dayOfWeek":"Monday","start":"22:00","end":"23:59"}]""");
        var instant = NextJakarta(DayOfWeek.Tuesday, new TimeOnly(6, 0));

        Assert.True(await AvailableAtAsync(tuesdayShift.Id, instant));
        Assert.False(await AvailableAtAsync(mondayShift.Id, instant));
    }

    [Fact]
    public async Task DoctorWithoutAScheduleIsNeverAvailable()
    {
        var doctor = await app.CreateStaffAsync("doctor");

        Assert.False(await AvailableAtAsync(doctor.Id, NextJakarta(DayOfWeek.Monday, new TimeOnly(10, 0))));
    }
}

/// <summary>The same schedule read in another clinic zone answers differently: the zone comes from Clinic__TimeZone.</summary>
public sealed class AvailabilityInAnotherZoneTests(AvailabilityInAnotherZoneTests.App app) : IClassFixture<AvailabilityInAnotherZoneTests.App>
{
    public sealed class App : ClinicChatApp
    {
        public App()
        {
            Settings["Clinic:TimeZone"] = "Europe/London";
        }
    }

    [Fact]
    public async Task ScheduleIsReadInTheConfiguredZone()
    {
        var ct = TestContext.Current.CancellationToken;
        var doctor = await app.CreateStaffAsync("doctor");
        (await doctor.Http.PutAsync($"/api/v1/doctors/{doctor.Id}/schedule", new StringContent(
            """[{"dayOfWeek":"Monday","start":"02:00","end":"04:00"}]""", Encoding.UTF8, "application/json"), ct)).EnsureSuccessStatusCode();

        // The fixture clock starts at Monday 03:00 UTC, which is 03:00 in London in November.
        var listed = await doctor.Http.GetFromJsonAsync<DoctorResponse>($"/api/v1/doctors/{doctor.Id}", ct);

        Assert.True(listed!.AvailableNow);
    }
}
