using System.Net;
using System.Net.Http.Json;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Accounts;

public sealed class AdminUserTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record AdminUser(Guid Id, string Email, string DisplayName, string Role, bool Disabled, DateTimeOffset CreatedAt);

    private static object NewStaff(string role) =>
        new { email = $"{role}-{Guid.NewGuid():N}@example.com", password = "staff-password-1", displayName = $"New {role}", role };

    [Theory]
    [InlineData("doctor")]
    [InlineData("nurse")]
    [InlineData("admin")]
    public async Task AdminCreatesStaffAccountsThatCanLogIn(string role)
    {
        var staff = await app.CreateStaffAsync(role, $"Staff {role}");

        var me = await staff.Http.GetFromJsonAsync<UserResponse>("/api/v1/me", Ct);

        Assert.Equal(role, me!.Role);
        Assert.Equal($"Staff {role}", me.DisplayName);
    }

    [Fact]
    public async Task CreatedStaffAnswers201WithALocation()
    {
        var admin = await app.AdminAsync();

        var response = await admin.Http.PostAsJsonAsync("/api/v1/admin/users", NewStaff("nurse"), Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var user = await response.Content.ReadFromJsonAsync<UserResponse>(Ct);
        Assert.Equal($"/api/v1/admin/users/{user!.Id}", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task PatientCannotCreateStaffAccounts()
    {
        var patient = await app.RegisterPatientAsync();
        var staff = NewStaff("admin");

        var response = await patient.Http.PostAsJsonAsync("/api/v1/admin/users", staff, Ct);

        await response.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(0, await app.QueryScalarAsync<long>("select count(*) from users where display_name = 'New admin'"));
    }

    [Theory]
    [InlineData("doctor")]
    [InlineData("nurse")]
    public async Task OtherStaffCannotCreateStaffAccounts(string role)
    {
        var staff = await app.CreateStaffAsync(role);

        var response = await staff.Http.PostAsJsonAsync("/api/v1/admin/users", NewStaff("doctor"), Ct);

        await response.AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task PatientCannotListUsers()
    {
        var patient = await app.RegisterPatientAsync();

        await (await patient.Http.GetAsync("/api/v1/admin/users", Ct)).AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task DoctorCannotListUsers()
    {
        var doctor = await app.CreateStaffAsync("doctor");

        await (await doctor.Http.GetAsync("/api/v1/admin/users", Ct)).AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AnonymousCannotListUsers()
    {
        await (await app.CreateAnonymousClient().GetAsync("/api/v1/admin/users", Ct)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task PatientCannotDisableAccounts()
    {
        var patient = await app.RegisterPatientAsync();
        var victim = await app.RegisterPatientAsync();

        await (await patient.Http.PostAsync($"/api/v1/admin/users/{victim.Id}/disable", null, Ct)).AssertProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal(HttpStatusCode.OK, (await victim.Http.GetAsync("/api/v1/me", Ct)).StatusCode);
    }

    [Fact]
    public async Task AdminListsUsersFilteredByRole()
    {
        var nurse = await app.CreateStaffAsync("nurse");
        var patient = await app.RegisterPatientAsync();
        var admin = await app.AdminAsync();

        var nurses = await admin.Http.GetFromJsonAsync<List<AdminUser>>("/api/v1/admin/users?role=nurse", Ct);
        var everyone = await admin.Http.GetFromJsonAsync<List<AdminUser>>("/api/v1/admin/users", Ct);

        Assert.All(nurses!, u => Assert.Equal("nurse", u.Role));
        Assert.Contains(nurses!, u => u.Id == nurse.Id && !u.Disabled);
        Assert.DoesNotContain(nurses!, u => u.Id == patient.Id);
        Assert.Contains(everyone!, u => u.Id == patient.Id);
        Assert.Contains(everyone!, u => u.Email == ClinicChatApp.AdminEmail && u.Role == "admin");
    }

    [Fact]
    public async Task ListShowsDisabledAccounts()
    {
        var patient = await app.RegisterPatientAsync();
        var admin = await app.AdminAsync();
        (await admin.Http.PostAsync($"/api/v1/admin/users/{patient.Id}/disable", null, Ct)).EnsureSuccessStatusCode();

        var patients = await admin.Http.GetFromJsonAsync<List<AdminUser>>("/api/v1/admin/users?role=patient", Ct);

        Assert.True(patients!.Single(u => u.Id == patient.Id).Disabled);
    }

    [Fact]
    public async Task UnknownRoleFilterIsABadRequestNamingRole()
    {
        var admin = await app.AdminAsync();

        await (await admin.Http.GetAsync("/api/v1/admin/users?role=superuser", Ct)).AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "role");
    }

    [Theory]
    [InlineData("patient")]
    [InlineData("root")]
    [InlineData(null)]
    public async Task StaffAccountNeedsAStaffRole(string? role)
    {
        var admin = await app.AdminAsync();

        var response = await admin.Http.PostAsJsonAsync("/api/v1/admin/users",
            new { email = $"x-{Guid.NewGuid():N}@example.com", password = "staff-password-1", displayName = "X", role }, Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "role");
    }

    [Fact]
    public async Task StaffAccountValidationNamesEveryBadField()
    {
        var admin = await app.AdminAsync();

        var response = await admin.Http.PostAsJsonAsync("/api/v1/admin/users",
            new { email = "nope", password = "short", displayName = "", role = "bogus" }, Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "email", "password", "displayName", "role");
    }

    [Fact]
    public async Task StaffAccountWithATakenEmailIsAConflict()
    {
        var patient = await app.RegisterPatientAsync();
        var admin = await app.AdminAsync();

        var response = await admin.Http.PostAsJsonAsync("/api/v1/admin/users",
            new { email = patient.Email.ToUpperInvariant(), password = "staff-password-1", displayName = "Dup", role = "doctor" }, Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.Conflict, "email");
    }

    [Fact]
    public async Task AdminCannotDisableTheirOwnAccount()
    {
        var admin = await app.AdminAsync();

        await (await admin.Http.PostAsync($"/api/v1/admin/users/{admin.Id}/disable", null, Ct)).AssertProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task DisablingAnUnknownUserIsNotFound()
    {
        var admin = await app.AdminAsync();

        await (await admin.Http.PostAsync($"/api/v1/admin/users/{Guid.NewGuid()}/disable", null, Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DisablingIsRecordedInTheAuditLog()
    {
        var patient = await app.RegisterPatientAsync();
        var admin = await app.AdminAsync();

        (await admin.Http.PostAsync($"/api/v1/admin/users/{patient.Id}/disable", null, Ct)).EnsureSuccessStatusCode();

        Assert.Equal(1, await app.QueryScalarAsync<long>(
            "select count(*) from audit_log where action = 'user.disabled' and target_id = @t and actor_id = @a",
            ("t", patient.Id.ToString()), ("a", admin.Id)));
    }
}
