using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Accounts;

/// <summary>Refresh rotation, logout and disable; moves the fake clock, so it has a server of its own.</summary>
public sealed class SessionTests(SessionTests.App app) : IClassFixture<SessionTests.App>
{
    public sealed class App : ClinicChatApp;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        await app.CreateAnonymousClient().PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken }, Ct);

    private async Task<HttpStatusCode> MeStatusAsync(string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return (await app.CreateAnonymousClient().SendAsync(request, Ct)).StatusCode;
    }

    [Fact]
    public async Task RefreshGivesNewWorkingTokens()
    {
        var patient = await app.RegisterPatientAsync();

        var response = await RefreshAsync(patient.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tokens = (await response.Content.ReadFromJsonAsync<TokenResponse>(Ct))!;
        Assert.Equal("Bearer", tokens.TokenType);
        Assert.NotEqual(patient.RefreshToken, tokens.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(tokens.AccessToken));
    }

    [Fact]
    public async Task UsedRefreshTokenStopsWorking()
    {
        var patient = await app.RegisterPatientAsync();
        (await RefreshAsync(patient.RefreshToken)).EnsureSuccessStatusCode();

        var again = await RefreshAsync(patient.RefreshToken);

        await again.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ReusingARefreshTokenRevokesTheWholeSession()
    {
        var patient = await app.RegisterPatientAsync();
        var rotated = (await (await RefreshAsync(patient.RefreshToken)).Content.ReadFromJsonAsync<TokenResponse>(Ct))!;

        // Someone replays the old token: neither the thief's nor the owner's copies may keep working.
        await (await RefreshAsync(patient.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);

        await (await RefreshAsync(rotated.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(rotated.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(patient.AccessToken));
    }

    [Fact]
    public async Task RefreshTokensChainAcrossSeveralRotations()
    {
        var patient = await app.RegisterPatientAsync();
        var refreshToken = patient.RefreshToken;

        for (var i = 0; i < 3; i++)
        {
            var response = await RefreshAsync(refreshToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            refreshToken = (await response.Content.ReadFromJsonAsync<TokenResponse>(Ct))!.RefreshToken;
        }
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("CfDJ8AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task GarbageRefreshTokenIsUnauthorized(string refreshToken)
    {
        await (await RefreshAsync(refreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AccessTokenIsNotARefreshToken()
    {
        var patient = await app.RegisterPatientAsync();

        await (await RefreshAsync(patient.AccessToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task MissingRefreshTokenIsNamed()
    {
        await (await RefreshAsync("")).AssertFieldErrorsAsync(HttpStatusCode.BadRequest, "refreshToken");
    }

    [Fact]
    public async Task LogoutRevokesAccessAndRefreshTokensOnTheirVeryNextUse()
    {
        var patient = await app.RegisterPatientAsync();
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(patient.AccessToken));

        var logout = await patient.Http.PostAsync("/api/v1/auth/logout", null, Ct);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(patient.AccessToken));
        await (await RefreshAsync(patient.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task LogoutEndsOnlyThatSession()
    {
        var patient = await app.RegisterPatientAsync();
        var phone = await app.LoginAsync(patient.Email, patient.Password);

        (await patient.Http.PostAsync("/api/v1/auth/logout", null, Ct)).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(phone.AccessToken));
        Assert.Equal(HttpStatusCode.OK, (await RefreshAsync(phone.RefreshToken)).StatusCode);
    }

    [Fact]
    public async Task LogoutWithoutATokenIsUnauthorized()
    {
        await (await app.CreateAnonymousClient().PostAsync("/api/v1/auth/logout", null, Ct)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task DisablingAUserRevokesEveryTokenOfEverySessionAtOnce()
    {
        var nurse = await app.CreateStaffAsync("nurse");
        var second = await app.LoginAsync(nurse.Email, nurse.Password);
        var admin = await app.AdminAsync();

        var disable = await admin.Http.PostAsync($"/api/v1/admin/users/{nurse.Id}/disable", null, Ct);

        Assert.Equal(HttpStatusCode.NoContent, disable.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(nurse.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(second.AccessToken));
        await (await RefreshAsync(nurse.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await RefreshAsync(second.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task DisabledUserCannotLogIn()
    {
        var patient = await app.RegisterPatientAsync();
        var admin = await app.AdminAsync();
        (await admin.Http.PostAsync($"/api/v1/admin/users/{patient.Id}/disable", null, Ct)).EnsureSuccessStatusCode();

        var response = await app.CreateAnonymousClient().PostAsJsonAsync("/api/v1/auth/login",
            new { email = patient.Email, password = patient.Password }, Ct);

        await response.AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AccessTokenExpiresAfterFifteenMinutesWhileRefreshKeepsTheSessionGoing()
    {
        var patient = await app.RegisterPatientAsync();

        app.Clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(patient.AccessToken));
        var response = await RefreshAsync(patient.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tokens = (await response.Content.ReadFromJsonAsync<TokenResponse>(Ct))!;
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(tokens.AccessToken));
    }

    [Fact]
    public async Task RefreshTokenExpiresAfterFourteenDays()
    {
        var patient = await app.RegisterPatientAsync();

        app.Clock.Advance(TimeSpan.FromDays(14) + TimeSpan.FromSeconds(1));

        await (await RefreshAsync(patient.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task EachRefreshGivesTheSessionAnotherFourteenDays()
    {
        var patient = await app.RegisterPatientAsync();

        app.Clock.Advance(TimeSpan.FromDays(10));
        var first = (await (await RefreshAsync(patient.RefreshToken)).Content.ReadFromJsonAsync<TokenResponse>(Ct))!;
        app.Clock.Advance(TimeSpan.FromDays(10));
        var second = await RefreshAsync(first.RefreshToken);

        // Twenty days after login, but only ten after the last refresh: the token said it was good for fourteen.
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var tokens = (await second.Content.ReadFromJsonAsync<TokenResponse>(Ct))!;
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(tokens.AccessToken));
    }
}
