using System.Net;
using ClinicChat.Conversations;
using ClinicChat.Tests.Realtime;
using Npgsql;

namespace ClinicChat.Tests.Infrastructure;

/// <summary>Makes its database unavailable for a while, so it has a server of its own.</summary>
public sealed class HealthTests(HealthTests.App app) : IClassFixture<HealthTests.App>
{
    public sealed class App : ClinicChatApp;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string DatabaseName => new NpgsqlConnectionStringBuilder(app.ConnectionString).Database!;

    private static Task AdminExecuteAsync(string sql) => TestDatabase.AdminExecuteAsync(sql, Ct);

    [Fact]
    public async Task LiveAnswers200WithoutALogin()
    {
        var response = await app.CreateAnonymousClient().GetAsync("/health/live", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task ReadinessFollowsTheDatabase()
    {
        var http = app.CreateAnonymousClient();
        var (patient, _, conversation) = await app.CarePairAsync();
        await using var hub = await app.ConnectHubAsync(patient);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready", Ct)).StatusCode);

        // Refuse new connections and cut the pooled ones: to the server the database is now unreachable.
        await AdminExecuteAsync($"alter database {DatabaseName} allow_connections false");
        await TestDatabase.TerminateSessionsAsync(app.ConnectionString, Ct);
        try
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live", Ct)).StatusCode);
            // The API says "try again", not "server error", and the process stays up.
            var during = await patient.Http.GetAsync("/api/v1/doctors", Ct);
            await during.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.NotNull(during.Headers.RetryAfter);
            for (var i = 0; i < 3; i++)
            {
                await (await patient.Http.GetAsync("/api/v1/doctors", Ct)).AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            }

            // The hub says the same: unavailable, retry; not a generic server error.
            var send = await Assert.ThrowsAsync<HubInvocationException>(() => hub.InvokeAsync<MessageDto>("SendMessage", conversation, "during-outage", "halo"));
            Assert.StartsWith("[server.unavailable] ", send.Message, StringComparison.Ordinal);
        }
        finally
        {
            await AdminExecuteAsync($"alter database {DatabaseName} allow_connections true");
        }

        // It recovers by itself once the database is back.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await patient.Http.GetAsync("/api/v1/doctors", Ct)).StatusCode);
        // The outage was reported as a warning and by the health check, not as unhandled exceptions with traces.
        Assert.DoesNotContain(app.Logs.Lines, l => l.StartsWith("Error Microsoft.AspNetCore.Diagnostics", StringComparison.Ordinal));
        // One warning for the outage, not one (or two errors) per failed request; its end is logged once too.
        Assert.Single(app.Logs.Lines, l => l.StartsWith("Warning ClinicChat.Infrastructure.DatabaseOutage", StringComparison.Ordinal));
        Assert.Single(app.Logs.Lines, l => l.StartsWith("Information ClinicChat.Infrastructure.DatabaseOutage", StringComparison.Ordinal));
        Assert.DoesNotContain(app.Logs.Lines, l => l.StartsWith("Error ", StringComparison.Ordinal));
        // Retrying the refused send stores it once.
        var retried = await hub.InvokeAsync<MessageDto>("SendMessage", conversation, "during-outage", "halo");
        Assert.Equal(retried.Seq, (await hub.InvokeAsync<MessageDto>("SendMessage", conversation, "during-outage", "halo")).Seq);
    }

    [Fact]
    public async Task ReadinessIs503WhileAMigrationIsMissing()
    {
        var http = app.CreateAnonymousClient();
        var last = await app.QueryScalarAsync<string>("select max(name) from schema_migrations");
        await app.QueryScalarAsync<long>("with d as (delete from schema_migrations where name = @n returning 1) select count(*) from d", ("n", last));
        try
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready", Ct)).StatusCode);
        }
        finally
        {
            await app.QueryScalarAsync<long>("with i as (insert into schema_migrations (name) values (@n) returning 1) select count(*) from i", ("n", last));
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready", Ct)).StatusCode);
    }
}
