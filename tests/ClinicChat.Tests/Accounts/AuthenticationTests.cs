using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Accounts;

public sealed class AuthenticationTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PatientRegistersLogsInAndReadsMe()
    {
        var patient = await app.RegisterPatientAsync("Siti Nurhaliza");

        var me = await patient.Http.GetFromJsonAsync<UserResponse>("/api/v1/me", Ct);

        Assert.Equal(patient.Id, me!.Id);
        Assert.Equal("patient", me.Role);
        Assert.Equal("Siti Nurhaliza", me.DisplayName);
        Assert.Equal(patient.Email, me.Email);
    }

    [Fact]
    public async Task LoginAnswersTheBearerTokenShape()
    {
        var http = app.CreateAnonymousClient();

        var response = await http.PostAsJsonAsync("/api/v1/auth/login",
            new { email = ClinicChatApp.AdminEmail, password = ClinicChatApp.AdminPassword }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("Bearer", json.RootElement.GetProperty("tokenType").GetString());
        Assert.Equal(900, json.RootElement.GetProperty("expiresIn").GetInt64());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("accessToken").GetString()));
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("refreshToken").GetString()));
    }

    [Fact]
    public async Task MeWithoutTokenIsUnauthorizedProblem()
    {
        var response = await app.CreateAnonymousClient().GetAsync("/api/v1/me", Ct);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task MeWithAForgedTokenIsUnauthorized()
    {
        var http = app.CreateAnonymousClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "CfDJ8-forged-token");

        var response = await http.GetAsync("/api/v1/me", Ct);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task WrongPasswordIsUnauthorizedProblem()
    {
        var patient = await app.RegisterPatientAsync();

        var response = await app.CreateAnonymousClient().PostAsJsonAsync("/api/v1/auth/login",
            new { email = patient.Email, password = "wrong-password-1" }, Ct);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task UnknownEmailLooksExactlyLikeAWrongPassword()
    {
        var patient = await app.RegisterPatientAsync();
        var http = app.CreateAnonymousClient();

        var wrongPassword = await (await http.PostAsJsonAsync("/api/v1/auth/login",
            new { email = patient.Email, password = "wrong-password-1" }, Ct)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        var unknownEmail = await (await http.PostAsJsonAsync("/api/v1/auth/login",
            new { email = "nobody-here@example.com", password = "wrong-password-1" }, Ct)).AssertProblemAsync(HttpStatusCode.Unauthorized);

        Assert.Equal(wrongPassword.GetProperty("title").GetString(), unknownEmail.GetProperty("title").GetString());
        Assert.Equal(wrongPassword.GetProperty("detail").GetString(), unknownEmail.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task LoginWithMissingFieldsNamesThem()
    {
        var response = await app.CreateAnonymousClient().PostAsJsonAsync("/api/v1/auth/login", new { }, Ct);

        await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "email", "password");
    }

    [Fact]
    public async Task MalformedLoginJsonIsABadRequestNotAServerError()
    {
        var response = await app.CreateAnonymousClient().PostAsync("/api/v1/auth/login",
            new StringContent("{\"email\": ", System.Text.Encoding.UTF8, "application/json"), Ct);

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AccessTokenInTheQueryStringIsIgnoredOutsideTheHub()
    {
        var patient = await app.RegisterPatientAsync();

        var response = await app.CreateAnonymousClient().GetAsync($"/api/v1/me?access_token={Uri.EscapeDataString(patient.AccessToken)}", Ct);

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AccessTokenInTheQueryStringIsAcceptedByTheHub()
    {
        var patient = await app.RegisterPatientAsync();
        var http = app.CreateAnonymousClient();

        var anonymous = await http.PostAsync("/hubs/chat/negotiate?negotiateVersion=1", null, Ct);
        var withToken = await http.PostAsync(
            $"/hubs/chat/negotiate?negotiateVersion=1&access_token={Uri.EscapeDataString(patient.AccessToken)}", null, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
    }
}
