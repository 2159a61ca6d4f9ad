using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Accounts;

public sealed class AuthenticationTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    [Fact]
    public async Task PatientRegistersLogsInAndReadsMe()
    {
        var patient = await app.RegisterPatientAsync("Siti Nurhaliza");

        var me = await patient.Http.GetFromJsonAsync<UserResponse>("/api/v1/me", TestContext.Current.CancellationToken);

        Assert.Equal(patient.Id, me!.Id);
        Assert.Equal("patient", me.Role);
        Assert.Equal("Siti Nurhaliza", me.DisplayName);
    }

    [Fact]
    public async Task LoginAnswersTheBearerTokenShape()
    {
        var http = app.CreateAnonymousClient();

        var response = await http.PostAsJsonAsync("/api/v1/auth/login",
            new { email = ClinicChatApp.AdminEmail, password = ClinicChatApp.AdminPassword }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("Bearer", json.RootElement.GetProperty("tokenType").GetString());
        Assert.Equal(900, json.RootElement.GetProperty("expiresIn").GetInt64());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("accessToken").GetString()));
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("refreshToken").GetString()));
    }

    [Fact]
    public async Task MeWithoutTokenIsUnauthorizedProblem()
    {
        var response = await app.CreateAnonymousClient().GetAsync("/api/v1/me", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
