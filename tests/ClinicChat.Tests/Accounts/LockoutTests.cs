using System.Net;
using System.Net.Http.Json;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Accounts;

/// <summary>Moves the fake clock, so it has a server of its own.</summary>
public sealed class LockoutTests(LockoutTests.App app) : IClassFixture<LockoutTests.App>
{
    public sealed class App : ClinicChatApp;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<HttpResponseMessage> LoginAsync(string email, string password) =>
        await app.CreateAnonymousClient().PostAsJsonAsync("/api/v1/auth/login", new { email, password }, Ct);

    private async Task FailAsync(string email, int times)
    {
        for (var i = 0; i < times; i++)
        {
            await (await LoginAsync(email, "wrong-password-1")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task FiveFailedLoginsLockTheAccountForFifteenMinutes()
    {
        var patient = await app.RegisterPatientAsync();

        await FailAsync(patient.Email, 5);

        // Even the right password is refused while locked.
        await (await LoginAsync(patient.Email, patient.Password)).AssertProblemAsync(HttpStatusCode.Locked);
        app.Clock.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1));
        await (await LoginAsync(patient.Email, patient.Password)).AssertProblemAsync(HttpStatusCode.Locked);

        app.Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(patient.Email, patient.Password)).StatusCode);
    }

    [Fact]
    public async Task FourFailedLoginsDoNotLock()
    {
        var patient = await app.RegisterPatientAsync();

        await FailAsync(patient.Email, 4);

        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(patient.Email, patient.Password)).StatusCode);
    }

    [Fact]
    public async Task SuccessfulLoginResetsTheFailureCount()
    {
        var patient = await app.RegisterPatientAsync();

        await FailAsync(patient.Email, 4);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(patient.Email, patient.Password)).StatusCode);
        await FailAsync(patient.Email, 4);

        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(patient.Email, patient.Password)).StatusCode);
    }

    [Fact]
    public async Task AfterTheLockExpiresFiveMoreFailuresLockAgain()
    {
        var patient = await app.RegisterPatientAsync();
        await FailAsync(patient.Email, 5);
        app.Clock.Advance(TimeSpan.FromMinutes(15));

        await FailAsync(patient.Email, 5);

        await (await LoginAsync(patient.Email, patient.Password)).AssertProblemAsync(HttpStatusCode.Locked);
    }

    [Fact]
    public async Task LockingOneAccountLeavesOthersAlone()
    {
        var locked = await app.RegisterPatientAsync();
        var other = await app.RegisterPatientAsync();

        await FailAsync(locked.Email, 5);

        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(other.Email, other.Password)).StatusCode);
    }

    [Fact]
    public async Task LockoutDoesNotEndSessionsAlreadyOpen()
    {
        var patient = await app.RegisterPatientAsync();

        await FailAsync(patient.Email, 5);

        Assert.Equal(HttpStatusCode.OK, (await patient.Http.GetAsync("/api/v1/me", Ct)).StatusCode);
    }
}
