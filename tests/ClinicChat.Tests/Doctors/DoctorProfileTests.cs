using System.Net;
using System.Net.Http.Json;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Doctors;

public sealed class DoctorProfileTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static object Profile(long? fee = 150_000) => new { specialty = "Pediatrics", fee, bio = "Children's health." };

    private static readonly object[] WeekdayMornings = [new { dayOfWeek = "Monday", start = "08:00", end = "12:00" }];

    [Fact]
    public async Task NewDoctorIsListedWithAnEmptyProfile()
    {
        var doctor = await app.CreateStaffAsync("doctor", "dr. Baru");
        var patient = await app.RegisterPatientAsync();

        var doctors = await patient.Http.GetFromJsonAsync<List<DoctorResponse>>("/api/v1/doctors", Ct);

        var listed = Assert.Single(doctors!, d => d.Id == doctor.Id);
        Assert.Equal("dr. Baru", listed.DisplayName);
        Assert.Equal(0, listed.Fee);
        Assert.Empty(listed.Schedule);
        Assert.False(listed.AvailableNow);
    }

    [Fact]
    public async Task OnlyDoctorsAreListed()
    {
        var nurse = await app.CreateStaffAsync("nurse");
        var patient = await app.RegisterPatientAsync();

        var doctors = await patient.Http.GetFromJsonAsync<List<DoctorResponse>>("/api/v1/doctors", Ct);

        Assert.DoesNotContain(doctors!, d => d.Id == nurse.Id || d.Id == patient.Id);
        await (await patient.Http.GetAsync($"/api/v1/doctors/{nurse.Id}", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DoctorsNeedALogin()
    {
        await (await app.CreateAnonymousClient().GetAsync("/api/v1/doctors", Ct)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task DoctorEditsOwnProfile()
    {
        var doctor = await app.CreateStaffAsync("doctor");

        var response = await doctor.Http.PutAsJsonAsync($"/api/v1/doctors/{doctor.Id}/profile", Profile(175_000), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var updated = await response.Content.ReadFromJsonAsync<DoctorResponse>(Ct);
        Assert.Equal(175_000, updated!.Fee);
        Assert.Equal("Pediatrics", updated.Specialty);
        var fetched = await doctor.Http.GetFromJsonAsync<DoctorResponse>($"/api/v1/doctors/{doctor.Id}", Ct);
        Assert.Equal((updated.Id, updated.Specialty, updated.Fee, updated.Bio), (fetched!.Id, fetched.Specialty, fetched.Fee, fetched.Bio));
    }

    [Fact]
    public async Task DoctorEditsOwnSchedule()
    {
        var doctor = await app.CreateStaffAsync("doctor");

        var response = await doctor.Http.PutAsJsonAsync($"/api/v1/doctors/{doctor.Id}/schedule", WeekdayMornings, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var schedule = await doctor.Http.GetFromJsonAsync<List<ScheduleEntry>>($"/api/v1/doctors/{doctor.Id}/schedule", Ct);
        Assert.Equal([new ScheduleEntry("Monday", "08:00", "12:00")], schedule);
    }

    [Fact]
    public async Task DoctorCannotEditAnotherDoctorsProfile()
    {
        var doctor = await app.CreateStaffAsync("doctor");
        var other = await app.CreateStaffAsync("doctor");

        var response = await doctor.Http.PutAsJsonAsync($"/api/v1/doctors/{other.Id}/profile", Profile(1), Ct);

        await response.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(0, (await other.Http.GetFromJsonAsync<DoctorResponse>($"/api/v1/doctors/{other.Id}", Ct))!.Fee);
    }

    [Fact]
    public async Task DoctorCannotEditAnotherDoctorsSchedule()
    {
        var doctor = await app.CreateStaffAsync("doctor");
        var other = await app.CreateStaffAsync("doctor");

        var response = await doctor.Http.PutAsJsonAsync($"/api/v1/doctors/{other.Id}/schedule", WeekdayMornings, Ct);

        await response.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Empty((await other.Http.GetFromJsonAsync<List<ScheduleEntry>>($"/api/v1/doctors/{other.Id}/schedule", Ct))!);
    }

    [Theory]
    [InlineData("patient")]
    [InlineData("nurse")]
    public async Task NonDoctorsCannotEditADoctor(string role)
    {
        var doctor = await app.CreateStaffAsync("doctor");
        var someone = role == "patient" ? await app.RegisterPatientAsync() : await app.CreateStaffAsync(role);

        await (await someone.Http.PutAsJsonAsync($"/api/v1/doctors/{doctor.Id}/profile", Profile(), Ct)).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await someone.Http.PutAsJsonAsync($"/api/v1/doctors/{doctor.Id}/schedule", WeekdayMornings, Ct)).AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AdminEditsAnyDoctorsProfileAndSchedule()
    {
        var doctor = await app.CreateStaffAsync("doctor");
        var admin = await app.AdminAsync();

        (await admin.Http.PutAsJsonAsync($"/api/v1/doctors/{doctor.Id}/profile", Profile(200_000), Ct)).EnsureSuccessStatusCode();
        (await admin.Http.PutAsJsonAsync($"/api/v1/doctors/{doctor.Id}/schedule", WeekdayMornings, Ct)).EnsureSuccessStatusCode();

        var fetched = await doctor.Http.GetFromJsonAsync<DoctorResponse>($"/api/v1/doctors/{doctor.Id}", Ct);
        Assert.Equal(200_000, fetched!.Fee);
        Assert.Single(fetched.Schedule);
        Assert.Equal(1, await app.QueryScalarAsync<long>(
            "select count(*) from audit_log where action = 'doctor.schedule_updated' and target_id = @t and actor_id = @a",
            ("t", doctor.Id.ToString()), ("a", admin.Id)));
    }

    [Fact]
    public async Task AdminEditingAnUnknownDoctorIsNotFound()
    {
        var admin = await app.AdminAsync();
        var nurse = await app.CreateStaffAsync("nurse");

        await (await admin.Http.PutAsJsonAsync($"/api/v1/doctors/{Guid.NewGuid()}/profile", Profile(), Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.Http.PutAsJsonAsync($"/api/v1/doctors/{nurse.Id}/schedule", WeekdayMornings, Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(null)]
    [InlineData(1_000_000_001L)]
    public async Task FeeMustBeAWholeNonNegativeAmount(long? fee)
    {
        var doctor = await app.CreateStaffAsync("doctor");

        var response = await doctor.Http.PutAsJsonAsync($"/api/v1/doctors/{doctor.Id}/profile", Profile(fee), Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "fee");
    }

    [Fact]
    public async Task FractionalFeeIsABadRequestNamingFee()
    {
        var doctor = await app.CreateStaffAsync("doctor");

        var response = await doctor.Http.PutAsync($"/api/v1/doctors/{doctor.Id}/profile",
            new StringContent("{\"specialty\":\"GP\",\"fee\":150000.5,\"bio\":\"\"}", System.Text.Encoding.UTF8, "application/json"), Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "fee");
    }

    [Fact]
    public async Task OverlongProfileFieldsAreNamed()
    {
        var doctor = await app.CreateStaffAsync("doctor");

        var response = await doctor.Http.PutAsJsonAsync($"/api/v1/doctors/{doctor.Id}/profile",
            new { specialty = new string('s', 101), fee = 1, bio = new string('b', 2001) }, Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "specialty", "bio");
    }

    [Fact]
    public async Task DisabledDoctorIsNoLongerListed()
    {
        var doctor = await app.CreateStaffAsync("doctor");
        var admin = await app.AdminAsync();

        await app.DisableAsync(doctor);

        var doctors = await admin.Http.GetFromJsonAsync<List<DoctorResponse>>("/api/v1/doctors", Ct);
        Assert.DoesNotContain(doctors!, d => d.Id == doctor.Id);
        await (await admin.Http.GetAsync($"/api/v1/doctors/{doctor.Id}", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DisabledDoctorCannotBeEditedOrScheduled()
    {
        var doctor = await app.CreateStaffAsync("doctor");
        var admin = await app.AdminAsync();
        await app.DisableAsync(doctor);

        await (await admin.Http.PutAsJsonAsync($"/api/v1/doctors/{doctor.Id}/profile", Profile(), Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.Http.PutAsJsonAsync($"/api/v1/doctors/{doctor.Id}/schedule", WeekdayMornings, Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.Http.GetAsync($"/api/v1/doctors/{doctor.Id}/schedule", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
    }
}
