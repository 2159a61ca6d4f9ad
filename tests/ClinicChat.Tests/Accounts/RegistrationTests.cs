using System.Net;
using System.Net.Http.Json;
using System.Text;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Accounts;

public sealed class RegistrationTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewEmail() => $"pasien-{Guid.NewGuid():N}@example.com";

    private Task<long> CountUsersAsync(string email) =>
        app.QueryScalarAsync<long>("select count(*) from users where email_normalized = lower(@e)", ("e", email.Trim()));

    [Fact]
    public async Task PatientRegistrationAnswers201WithTheNewUser()
    {
        var email = NewEmail();

        var response = await app.CreateAnonymousClient().PostAsJsonAsync("/api/v1/auth/register",
            new { email, password = "long-enough-pw", displayName = "Budi" }, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var user = await response.Content.ReadFromJsonAsync<UserResponse>(Ct);
        Assert.Equal(email, user!.Email);
        Assert.Equal("Budi", user.DisplayName);
        Assert.Equal("patient", user.Role);
        Assert.NotEqual(Guid.Empty, user.Id);
    }

    [Fact]
    public async Task SelfRegistrationAlwaysMakesAPatientWhateverRoleIsSent()
    {
        var email = NewEmail();

        var response = await app.CreateAnonymousClient().PostAsJsonAsync("/api/v1/auth/register",
            new { email, password = "long-enough-pw", displayName = "Sneaky", role = "admin" }, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("patient", (await response.Content.ReadFromJsonAsync<UserResponse>(Ct))!.Role);
    }

    [Fact]
    public async Task EmailIsTrimmedAndLoginIgnoresItsLetterCase()
    {
        var email = NewEmail();
        var register = await app.CreateAnonymousClient().PostAsJsonAsync("/api/v1/auth/register",
            new { email = $"  {email}  ", password = "long-enough-pw", displayName = "  Rina  " }, Ct);
        Assert.Equal(HttpStatusCode.Created, register.StatusCode);
        var created = await register.Content.ReadFromJsonAsync<UserResponse>(Ct);
        Assert.Equal(email, created!.Email);
        Assert.Equal("Rina", created.DisplayName);

        var user = await app.LoginAsync(email.ToUpperInvariant(), "long-enough-pw");

        Assert.Equal(created.Id, user.Id);
    }

    [Fact]
    public async Task DuplicateEmailInAnotherLetterCaseIsAConflictNamingEmail()
    {
        var email = NewEmail();
        var http = app.CreateAnonymousClient();
        (await http.PostAsJsonAsync("/api/v1/auth/register", new { email, password = "long-enough-pw", displayName = "First" }, Ct)).EnsureSuccessStatusCode();

        var response = await http.PostAsJsonAsync("/api/v1/auth/register",
            new { email = email.ToUpperInvariant(), password = "another-long-pw", displayName = "Second" }, Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.Conflict, "email");
        Assert.Equal(1, await CountUsersAsync(email));
        // The first account keeps its own password.
        await app.LoginAsync(email, "long-enough-pw");
    }

    [Theory]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("nine-char")]
    public async Task WeakPasswordIsRejectedNamingPasswordAndNothingIsStored(string password)
    {
        var email = NewEmail();

        var response = await app.CreateAnonymousClient().PostAsJsonAsync("/api/v1/auth/register",
            new { email, password, displayName = "Weak" }, Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "password");
        Assert.Equal(0, await CountUsersAsync(email));
    }

    [Fact]
    public async Task TenCharacterPasswordIsAccepted()
    {
        var response = await app.CreateAnonymousClient().PostAsJsonAsync("/api/v1/auth/register",
            new { email = NewEmail(), password = "0123456789", displayName = "Exact" }, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("two@@example.com")]
    [InlineData("no-domain@")]
    [InlineData("@example.com")]
    [InlineData("spaces in@example.com")]
    [InlineData("Name <name@example.com>")]
    [InlineData("nodot@localhost")]
    public async Task MalformedEmailIsRejectedNamingEmailAndNothingIsStored(string email)
    {
        var response = await app.CreateAnonymousClient().PostAsJsonAsync("/api/v1/auth/register",
            new { email, password = "long-enough-pw", displayName = "Bad Email" }, Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "email");
        Assert.Equal(0, await app.QueryScalarAsync<long>("select count(*) from users where display_name = 'Bad Email'"));
    }

    [Fact]
    public async Task MissingFieldsAreEachNamed()
    {
        var response = await PostRawAsync("{}");

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "email", "password", "displayName");
    }

    [Fact]
    public async Task BlankDisplayNameIsRejected()
    {
        var email = NewEmail();

        var response = await app.CreateAnonymousClient().PostAsJsonAsync("/api/v1/auth/register",
            new { email, password = "long-enough-pw", displayName = "   " }, Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "displayName");
        Assert.Equal(0, await CountUsersAsync(email));
    }

    [Theory]
    [InlineData("{", "body")]
    [InlineData("not json at all", "body")]
    [InlineData("[1, 2]", "body")]
    [InlineData("{\"email\": 42, \"password\": \"long-enough-pw\", \"displayName\": \"X\"}", "email")]
    [InlineData("{\"email\": \"a@example.com\", \"password\": {\"x\": 1}, \"displayName\": \"X\"}", "password")]
    public async Task MalformedJsonIsABadRequestNamingTheField(string body, string field)
    {
        var response = await PostRawAsync(body);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    public async Task MissingBodyIsABadRequest(string body)
    {
        var response = await PostRawAsync(body);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "body");
    }

    [Fact]
    public async Task BodyThatIsNotJsonIsUnsupportedMediaType()
    {
        var response = await app.CreateAnonymousClient().PostAsync("/api/v1/auth/register",
            new StringContent("email=a@example.com", Encoding.UTF8, "application/x-www-form-urlencoded"), Ct);

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    private Task<HttpResponseMessage> PostRawAsync(string body) =>
        app.CreateAnonymousClient().PostAsync("/api/v1/auth/register", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
}
