using System.Net;
using System.Net.Http.Json;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Accounts;

public sealed class BootstrapAdminTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A server on a database that another server already set up, as after a restart.</summary>
    private sealed class Restarted(string connectionString, string adminPassword) : ClinicChatApp
    {
        public string AdminPasswordSetting { get; } = adminPassword;

        protected override Task<string> CreateDatabaseAsync()
        {
            Settings["CLINICCHAT_ADMIN_PASSWORD"] = AdminPasswordSetting;
            return Task.FromResult(connectionString);
        }
    }

    [Fact]
    public async Task BootstrapAdminIsCreatedExactlyOnceAcrossRestarts()
    {
        string connectionString;
        await using (var first = new ClinicChatApp())
        {
            await first.InitializeAsync();
            connectionString = first.ConnectionString;
            await first.LoginAsync(ClinicChatApp.AdminEmail, ClinicChatApp.AdminPassword);
        }

        // The operator changed the password variable: an admin exists, so nothing is created or overwritten.
        await using var second = new Restarted(connectionString, "a-different-password");
        await second.InitializeAsync();

        Assert.Equal(1, await second.QueryScalarAsync<long>("select count(*) from users where role = 'admin'"));
        Assert.Equal(1, await second.QueryScalarAsync<long>("select count(*) from audit_log where action = 'user.created'"));
        await second.LoginAsync(ClinicChatApp.AdminEmail, ClinicChatApp.AdminPassword);
        var stale = await second.CreateAnonymousClient().PostAsJsonAsync("/api/v1/auth/login",
            new { email = ClinicChatApp.AdminEmail, password = "a-different-password" }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
    }

    [Fact]
    public async Task TwoServersStartingTogetherCreateOneBootstrapAdmin()
    {
        var connectionString = await TestDatabase.CreateAsync(Ct);
        await using var one = new Restarted(connectionString, ClinicChatApp.AdminPassword);
        await using var two = new Restarted(connectionString, ClinicChatApp.AdminPassword);

        await Task.WhenAll(Task.Run(() => one.InitializeAsync().AsTask(), Ct), Task.Run(() => two.InitializeAsync().AsTask(), Ct));

        Assert.Equal(1, await one.QueryScalarAsync<long>("select count(*) from users where role = 'admin'"));
        await two.LoginAsync(ClinicChatApp.AdminEmail, ClinicChatApp.AdminPassword);
    }

    [Fact]
    public async Task NoBootstrapAdminWithoutBothSettings()
    {
        await using var app = new WithoutAdminSettings();
        await app.InitializeAsync();

        Assert.Equal(0, await app.QueryScalarAsync<long>("select count(*) from users"));
    }

    private sealed class WithoutAdminSettings : ClinicChatApp
    {
        public WithoutAdminSettings()
        {
            Settings.Remove("CLINICCHAT_ADMIN_PASSWORD");
        }
    }
}
