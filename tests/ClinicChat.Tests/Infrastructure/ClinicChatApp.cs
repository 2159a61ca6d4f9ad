using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace ClinicChat.Tests.Infrastructure;

/// <summary>
/// The real server on Kestrel at 127.0.0.1 with its own fresh database, a fake clock and captured logs.
/// One per test class (IClassFixture); subclasses change settings through <see cref="Settings"/>.
/// </summary>
public class ClinicChatApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminEmail = "root-admin@clinic.test";
    public const string AdminPassword = "root-admin-password";

    private TestUser? _admin;
    private DateTimeOffset _adminLoggedInAt;

    /// <summary>
    /// The server's clock: it moves only when a test moves it (Advance, SetUtcNow, always in UTC), and timers created
    /// through it fire as it passes their due time. It starts on a Monday at 10:00 in Jakarta, in clinic hours.
    /// </summary>
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 16, 3, 0, 0, TimeSpan.Zero));

    public CapturedLogs Logs { get; } = new();

    public string ConnectionString { get; private set; } = "";

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Configuration for the server; change it in a subclass constructor.</summary>
    protected Dictionary<string, string?> Settings { get; } = new()
    {
        ["CLINICCHAT_ADMIN_EMAIL"] = AdminEmail,
        ["CLINICCHAT_ADMIN_PASSWORD"] = AdminPassword,
        ["Limits:LoginAttemptsPerMinute"] = "100000",
        ["Payments:WebhookRequestsPerMinute"] = "100000",
        ["Limits:SendsPerSecond"] = "1000",
        ["Limits:SendBurst"] = "10000",
        ["Cors:AllowedOrigins"] = "http://allowed.example",
    };

    public virtual async ValueTask InitializeAsync()
    {
        ConnectionString = await CreateDatabaseAsync();
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>The database this server uses; override to share one between two servers or to point at nothing.</summary>
    protected virtual Task<string> CreateDatabaseAsync() => TestDatabase.CreateAsync();

    /// <summary>Reads one value straight from this server's database, behind the API's back.</summary>
    public async Task<T> QueryScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("CLINICCHAT_DATABASE", ConnectionString);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            // Production hashing costs ~0.1 s of CPU per sign-up or login; the suite does hundreds of them.
            services.Configure<PasswordHasherOptions>(o => o.IterationCount = 1_000);
        });
    }

    public HttpClient CreateAnonymousClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public async Task<TestUser> LoginAsync(string email, string password)
    {
        var http = CreateAnonymousClient();
        var response = await http.PostAsJsonAsync("/api/v1/auth/login", new { email, password });
        await response.EnsureSuccessAsync();
        var tokens = (await response.Content.ReadFromJsonAsync<TokenResponse>())!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        var me = (await http.GetFromJsonAsync<UserResponse>("/api/v1/me"))!;
        return new TestUser(me.Id, email, password, me.DisplayName, me.Role, tokens.AccessToken, tokens.RefreshToken, http);
    }

    /// <summary>The bootstrap admin, logged in again once the fake clock has moved close to the access token's expiry.</summary>
    public Task<TestUser> AdminAsync() =>
        _admin is { } admin && Clock.GetUtcNow() - _adminLoggedInAt < TimeSpan.FromMinutes(10) ? Task.FromResult(admin) : LoginAdminAsync();

    public async Task<TestUser> RegisterPatientAsync(string? displayName = null)
    {
        var email = $"patient-{Guid.NewGuid():N}@example.com";
        const string password = "patient-password-1";
        var response = await CreateAnonymousClient().PostAsJsonAsync("/api/v1/auth/register",
            new { email, password, displayName = displayName ?? "Pasien Uji" });
        await response.EnsureSuccessAsync();
        return await LoginAsync(email, password);
    }

    /// <summary>Creates a doctor, nurse or admin through the admin API and logs them in.</summary>
    public async Task<TestUser> CreateStaffAsync(string role, string? displayName = null)
    {
        var admin = await AdminAsync();
        var email = $"{role}-{Guid.NewGuid():N}@example.com";
        var password = $"{role}-password-1";
        var response = await admin.Http.PostAsJsonAsync("/api/v1/admin/users",
            new { email, password, displayName = displayName ?? $"Test {role}", role });
        await response.EnsureSuccessAsync();
        return await LoginAsync(email, password);
    }

    /// <summary>Disables the account through the admin API, as the bootstrap admin.</summary>
    public async Task DisableAsync(TestUser user)
    {
        var admin = await AdminAsync();
        var response = await admin.Http.PostAsync($"/api/v1/admin/users/{user.Id}/disable", null);
        await response.EnsureSuccessAsync();
    }

    private async Task<TestUser> LoginAdminAsync()
    {
        _adminLoggedInAt = Clock.GetUtcNow();
        return _admin = await LoginAsync(AdminEmail, AdminPassword);
    }
}

public sealed record TestUser(
    Guid Id,
    string Email,
    string Password,
    string DisplayName,
    string Role,
    string AccessToken,
    string RefreshToken,
    HttpClient Http);

public sealed record TokenResponse(string TokenType, string AccessToken, long ExpiresIn, string RefreshToken);

public sealed record UserResponse(Guid Id, string Email, string DisplayName, string Role);

public static class HttpAssertions
{
    /// <summary>Like EnsureSuccessStatusCode, but the failure shows the problem details body.</summary>
    public static async Task EnsureSuccessAsync(this HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new HttpRequestException($"{(int)response.StatusCode} {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {body}");
        }
    }
}
