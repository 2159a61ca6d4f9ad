using System.Net;
using System.Net.Http.Json;
using System.Text;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Doctors;

public sealed class ScheduleValidationTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> PutRawAsync(TestUser doctor, string json) =>
        await doctor.Http.PutAsync($"/api/v1/doctors/{doctor.Id}/schedule", new StringContent(json, Encoding.UTF8, "application/json"), Ct);

    [Theory]
    [InlineData("""[{"dayOfWeek":"Monday","start":"17:00","end":"08:00"}]""", "[0].end")]
    [InlineData("""[{"dayOfWeek":"Monday","start":"08:00","end":"08:00"}]""", "[0].end")]
    [InlineData("""[{"dayOfWeek":"Funday","start":"08:00","end":"12:00"}]""", "[0].dayOfWeek")]
    [InlineData("""[{"dayOfWeek":"1","start":"08:00","end":"12:00"}]""", "[0].dayOfWeek")]
    [InlineData("""[{"dayOfWeek":"Monday,Tuesday","start":"08:00","end":"12:00"}]""", "[0].dayOfWeek")]
    [InlineData("""[{"dayOfWeek":"","start":"08:00","end":"12:00"}]""", "[0].dayOfWeek")]
    [InlineData("""[{"start":"08:00","end":"12:00"}]""", "[0].dayOfWeek")]
    [InlineData("""[{"dayOfWeek":"Monday","start":"8am","end":"12:00"}]""", "[0].start")]
    [InlineData("""[{"dayOfWeek":"Monday","start":"25:00","end":"26:00"}]""", "[0].start")]
    [InlineData("""[{"dayOfWeek":"Monday","start":"08:00","end":"12:60"}]""", "[0].end")]
    [InlineData("""[{"dayOfWeek":"Monday","start":"08:00"}]""", "[0].end")]
    [InlineData("""[{"dayOfWeek":"Monday","start":"08:00","end":"12:00"},{"dayOfWeek":"monday","start":"11:00","end":"13:00"}]""", "[1]")]
    [InlineData("""[{"dayOfWeek":"Monday","start":"08:00","end":"12:00"},{"dayOfWeek":"Monday","start":"09:00","end":"10:00"}]""", "[1]")]
    [InlineData("""[{"dayOfWeek":"Monday","start":"08:00","end":"12:00"},null]""", "[1]")]
    [InlineData("""[{"dayOfWeek":"Monday","start":8,"end":"12:00"}]""", "[0].start")]
    [InlineData("""{"dayOfWeek":"Monday","start":"08:00","end":"12:00"}""", "body")]
    [InlineData("""null""", "body")]
    public async Task InvalidScheduleIsRejectedNamingTheField(string json, string field)
    {
        var doctor = await app.CreateStaffAsync("doctor");

        var response = await PutRawAsync(doctor, json);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task EveryBadEntryIsReportedAtOnce()
    {
        var doctor = await app.CreateStaffAsync("doctor");

        var response = await PutRawAsync(doctor,
            """[{"dayOfWeek":"Someday","start":"08:00","end":"12:00"},{"dayOfWeek":"Tuesday","start":"x","end":"y"}]""");

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "[0].dayOfWeek", "[1].start", "[1].end");
    }

    [Fact]
    public async Task RejectedScheduleLeavesTheOldOneInPlace()
    {
        var doctor = await app.CreateStaffAsync("doctor");
        (await PutRawAsync(doctor, """[{"dayOfWeek":"Friday","start":"13:00","end":"17:00"}]""")).EnsureSuccessStatusCode();

        await (await PutRawAsync(doctor, """[{"dayOfWeek":"Friday","start":"17:00","end":"13:00"}]""")).AssertProblemAsync(HttpStatusCode.BadRequest);

        var schedule = await doctor.Http.GetFromJsonAsync<List<ScheduleEntry>>($"/api/v1/doctors/{doctor.Id}/schedule", Ct);
        Assert.Equal([new ScheduleEntry("Friday", "13:00", "17:00")], schedule);
    }

    [Fact]
    public async Task DayNamesAreCaseInsensitiveAndComeBackCanonicalAndSorted()
    {
        var doctor = await app.CreateStaffAsync("doctor");

        var response = await PutRawAsync(doctor,
            """[{"dayOfWeek":"WEDNESDAY","start":"13:00","end":"17:00"},{"dayOfWeek":" monday ","start":"8:00","end":"12:00"},{"dayOfWeek":"wednesday","start":"08:00","end":"12:00"}]""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var schedule = await doctor.Http.GetFromJsonAsync<List<ScheduleEntry>>($"/api/v1/doctors/{doctor.Id}/schedule", Ct);
        Assert.Equal(
            [new ScheduleEntry("Monday", "08:00", "12:00"), new ScheduleEntry("Wednesday", "08:00", "12:00"), new ScheduleEntry("Wednesday", "13:00", "17:00")],
            schedule);
    }

    [Fact]
    public async Task TouchingIntervalsOnOneDayAreAllowed()
    {
        var doctor = await app.CreateStaffAsync("doctor");

        var response = await PutRawAsync(doctor,
            """[{"dayOfWeek":"Monday","start":"08:00","end":"12:00"},{"dayOfWeek":"Monday","start":"12:00","end":"17:00"}]""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SameHoursOnDifferentDaysDoNotOverlap()
    {
        var doctor = await app.CreateStaffAsync("doctor");

        var response = await PutRawAsync(doctor,
            """[{"dayOfWeek":"Monday","start":"08:00","end":"12:00"},{"dayOfWeek":"Tuesday","start":"08:00","end":"12:00"}]""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task EmptyScheduleClearsTheWeek()
    {
        var doctor = await app.CreateStaffAsync("doctor");
        (await PutRawAsync(doctor, """[{"dayOfWeek":"Friday","start":"13:00","end":"17:00"}]""")).EnsureSuccessStatusCode();

        (await PutRawAsync(doctor, "[]")).EnsureSuccessStatusCode();

        Assert.Empty((await doctor.Http.GetFromJsonAsync<List<ScheduleEntry>>($"/api/v1/doctors/{doctor.Id}/schedule", Ct))!);
    }
}
