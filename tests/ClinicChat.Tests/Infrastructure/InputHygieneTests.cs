using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace ClinicChat.Tests.Infrastructure;

/// <summary>Values PostgreSQL or .NET would refuse deep inside a handler are refused at the door, naming the field.</summary>
public sealed class InputHygieneTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private void AssertNoErrorLogged() =>
        Assert.DoesNotContain(app.Logs.Lines, line => line.StartsWith("Error ", StringComparison.Ordinal) || line.StartsWith("Critical ", StringComparison.Ordinal));

    [Fact]
    public async Task ANulInTheLoginEmailIsAFieldErrorNotAServerError()
    {
        var response = await app.CreateAnonymousClient().PostAsync("/api/v1/auth/login",
            Json("""{"email":"a\u0000@example.com","password":"whatever-pw"}"""), Ct);

        var problem = await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "email");
        Assert.Contains("control characters", problem.GetProperty("errors").GetProperty("email")[0].GetString(), StringComparison.Ordinal);
        AssertNoErrorLogged();
    }

    [Theory]
    [InlineData("/api/v1/search/messages?q=%00", "q")]
    [InlineData("/api/v1/search/messages?q=a%07b", "q")]
    [InlineData("/api/v1/admin/audit?targetType=%00", "targetType")]
    [InlineData("/api/v1/admin/audit?targetId=x%00y", "targetId")]
    [InlineData("/api/v1/support/stats?to=0001-01-01T00:00:00Z", "to")]
    [InlineData("/api/v1/support/stats?from=9999-12-31T23:59:59Z", "from")]
    public async Task HostileQueryValuesAreFieldErrors(string path, string field)
    {
        var admin = await app.AdminAsync();

        var response = await admin.Http.GetAsync(path, Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, field);
        AssertNoErrorLogged();
    }

    [Theory]
    [InlineData("""{"specialty":"Pedi\u0000atrics","fee":1000,"bio":"ok"}""", "specialty")]
    [InlineData("""{"specialty":"Pediatrics","fee":1000,"bio":"bell \u0007"}""", "bio")]
    [InlineData("""{"specialty":"Pediatrics","fee":1000,"bio":"lone \ud800 surrogate"}""", "bio")]
    [InlineData("""{"specialty":"Pedi\natrics","fee":1000,"bio":"ok"}""", "specialty")]
    public async Task DoctorProfileRefusesControlCharactersAndStoresNothing(string body, string field)
    {
        var doctor = await app.CreateStaffAsync("doctor");

        var response = await doctor.Http.PutAsync($"/api/v1/doctors/{doctor.Id}/profile", Json(body), Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, field);
        Assert.Equal("", await app.QueryScalarAsync<string>("select bio from doctor_profiles where doctor_id = @id", ("id", doctor.Id)));
        AssertNoErrorLogged();
    }

    [Fact]
    public async Task ABioKeepsItsNewlinesAndTabs()
    {
        var doctor = await app.CreateStaffAsync("doctor");

        var response = await doctor.Http.PutAsJsonAsync($"/api/v1/doctors/{doctor.Id}/profile",
            new { specialty = "Pediatrics", fee = 1000, bio = "Line one\n\tLine two" }, Ct);

        await response.EnsureSuccessAsync();
        Assert.Equal("Line one\n\tLine two", await app.QueryScalarAsync<string>("select bio from doctor_profiles where doctor_id = @id", ("id", doctor.Id)));
    }

    [Fact]
    public async Task DuplicateJsonKeysAreRefused()
    {
        var email = $"dup-{Guid.NewGuid():N}@example.com";

        var response = await app.CreateAnonymousClient().PostAsync("/api/v1/auth/register",
            Json($$"""{"email":"{{email}}","password":"long-enough-pw","displayName":"First","displayName":"Second"}"""), Ct);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(0L, await app.QueryScalarAsync<long>("select count(*) from users where email = @email", ("email", email)));
    }

    [Fact]
    public async Task AFarFutureBookingDateIsAFieldError()
    {
        var patient = await app.RegisterPatientAsync();

        var response = await patient.Http.PostAsync("/api/v1/consultations",
            Json($$"""{"doctorId":"{{Guid.NewGuid()}}","startAt":"9999-12-31T23:00:00Z"}"""), Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "startAt");
    }
}
