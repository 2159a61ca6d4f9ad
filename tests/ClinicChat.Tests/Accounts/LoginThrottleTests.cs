using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Accounts;

/// <summary>
/// Failed logins slow down guessing for that email without locking its owner out, and say nothing about whether
/// the email has an account. Moves the fake clock, so it has a server of its own. Each HttpClient keeps its own
/// cookies, i.e. is one device.
/// </summary>
public sealed class LoginThrottleTests(LoginThrottleTests.App app) : IClassFixture<LoginThrottleTests.App>
{
    public sealed class App : ClinicChatApp;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<HttpResponseMessage> LoginAsync(HttpClient device, string email, string password) =>
        device.PostAsJsonAsync("/api/v1/auth/login", new { email, password }, Ct);

    private async Task<HttpResponseMessage> LoginAsync(string email, string password) => await LoginAsync(app.CreateAnonymousClient(), email, password);

    private async Task FailAsync(string email, int times)
    {
        var stranger = app.CreateAnonymousClient();
        for (var i = 0; i < times; i++)
        {
            await (await LoginAsync(stranger, email, "wrong-password-1")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        }
    }

    private static async Task<TimeSpan> AssertThrottledAsync(HttpResponseMessage response)
    {
        await response.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        return response.Headers.RetryAfter?.Delta ?? throw new Xunit.Sdk.XunitException("429 without Retry-After");
    }

    [Fact]
    public async Task StrangersFailingFiveTimesCannotKeepTheOwnerOutOfADeviceSheSignedInFromBefore()
    {
        var doctor = await app.RegisterPatientAsync();
        var herLaptop = app.CreateAnonymousClient();
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(herLaptop, doctor.Email, doctor.Password)).StatusCode);

        await FailAsync(doctor.Email, 5);

        // A new device, even with the right password, waits; the device she has used before does not.
        Assert.Equal(TimeSpan.FromSeconds(30), await AssertThrottledAsync(await LoginAsync(doctor.Email, doctor.Password)));
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(herLaptop, doctor.Email, doctor.Password)).StatusCode);
    }

    [Fact]
    public async Task ADeviceRecognisedForAnotherAccountIsNotLetThrough()
    {
        var target = await app.RegisterPatientAsync();
        var attacker = await app.RegisterPatientAsync();
        var attackersDevice = app.CreateAnonymousClient();
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(attackersDevice, attacker.Email, attacker.Password)).StatusCode);

        await FailAsync(target.Email, 5);

        await AssertThrottledAsync(await LoginAsync(attackersDevice, target.Email, target.Password));
    }

    [Fact]
    public async Task TheDelayDoublesWithEachFurtherFailureAndEnds()
    {
        var patient = await app.RegisterPatientAsync();
        await FailAsync(patient.Email, 5);
        Assert.Equal(TimeSpan.FromSeconds(30), await AssertThrottledAsync(await LoginAsync(patient.Email, patient.Password)));

        app.Clock.Advance(TimeSpan.FromSeconds(30));
        await FailAsync(patient.Email, 1);
        Assert.Equal(TimeSpan.FromSeconds(60), await AssertThrottledAsync(await LoginAsync(patient.Email, patient.Password)));

        app.Clock.Advance(TimeSpan.FromSeconds(60));
        await FailAsync(patient.Email, 1);
        Assert.Equal(TimeSpan.FromSeconds(120), await AssertThrottledAsync(await LoginAsync(patient.Email, patient.Password)));

        app.Clock.Advance(TimeSpan.FromSeconds(119));
        await AssertThrottledAsync(await LoginAsync(patient.Email, patient.Password));
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(patient.Email, patient.Password)).StatusCode);

        // The success forgot the failures: four more do not throttle.
        await FailAsync(patient.Email, 4);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(patient.Email, patient.Password)).StatusCode);
    }

    [Fact]
    public async Task ManyFailuresNeverDelayMoreThanFifteenMinutes()
    {
        var patient = await app.RegisterPatientAsync();
        await FailAsync(patient.Email, 5);
        for (var i = 0; i < 8; i++)
        {
            app.Clock.Advance(await AssertThrottledAsync(await LoginAsync(patient.Email, "wrong-password-1")));
            await FailAsync(patient.Email, 1);
        }

        Assert.Equal(TimeSpan.FromMinutes(15), await AssertThrottledAsync(await LoginAsync(patient.Email, patient.Password)));
    }

    [Fact]
    public async Task FourFailedLoginsDoNotThrottle()
    {
        var patient = await app.RegisterPatientAsync();

        await FailAsync(patient.Email, 4);

        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(patient.Email, patient.Password)).StatusCode);
    }

    [Fact]
    public async Task AnUnknownEmailGetsExactlyTheAnswersOfAnExistingOne()
    {
        var patient = await app.RegisterPatientAsync();
        var unknown = $"nobody-{Guid.NewGuid():N}@example.com";

        var existing = await AnswersAsync(patient.Email);
        var missing = await AnswersAsync(unknown);

        Assert.Equal(existing, missing);
        Assert.Equal(5, existing.Count(a => a.StartsWith("401", StringComparison.Ordinal)));
        Assert.StartsWith("429", existing[^1], StringComparison.Ordinal);
        Assert.DoesNotContain(existing, a => a.StartsWith("423", StringComparison.Ordinal));
    }

    /// <summary>Status, Retry-After, title and detail of six wrong-password attempts (the trace id differs by nature).</summary>
    private async Task<List<string>> AnswersAsync(string email)
    {
        var answers = new List<string>();
        var stranger = app.CreateAnonymousClient();
        for (var i = 0; i < 6; i++)
        {
            var response = await LoginAsync(stranger, email, "wrong-password-1");
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            answers.Add($"{(int)response.StatusCode} {response.Headers.RetryAfter} {problem.RootElement.GetProperty("title")} {problem.RootElement.GetProperty("detail")} {response.Content.Headers.ContentType}");
        }

        return answers;
    }

    [Fact]
    public async Task ThrottlingOneEmailLeavesOthersAndOpenSessionsAlone()
    {
        var throttled = await app.RegisterPatientAsync();
        var other = await app.RegisterPatientAsync();

        await FailAsync(throttled.Email, 5);

        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(other.Email, other.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await throttled.Http.GetAsync("/api/v1/me", Ct)).StatusCode);
    }
}
