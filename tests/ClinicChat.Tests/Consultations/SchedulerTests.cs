using ClinicChat.Consultations;
using ClinicChat.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace ClinicChat.Tests.Consultations;

/// <summary>The timed transitions under several instances and across a restart.</summary>
public sealed class SchedulerTests(ConsultationApp app) : IClassFixture<ConsultationApp>
{
    [Fact]
    public async Task SeveralSchedulerInstancesMakeEachTransitionOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var doctor = await app.CreateDoctorAsync();
        await using (var db = app.OpenDatabase())
        {
            await db.ExecuteAsync("update doctor_profiles set capacity = 50 where doctor_id = @Id", new { doctor.Id });
        }

        var consultations = new List<ConsultationView>();
        for (var i = 0; i < 12; i++)
        {
            consultations.Add(await app.ActiveConsultationAsync(await app.RegisterPatientAsync(), doctor));
        }

        // Three more "servers" on the same database, each with its own lifecycle service, plus the app's own scheduler.
        var instances = Enumerable.Range(0, 3).Select(_ => ActivatorUtilities.CreateInstance<ConsultationLifecycle>(app.Services)).ToList();
        async Task<int> RaceAsync() => (await Task.WhenAll(instances.Select(s => Task.Run(() => s.RunDueTransitionsAsync(ct), ct)))).Sum() + await app.RunDueAsync();

        app.Clock.Advance(ConsultationApp.Duration - ConsultationApp.WarningBefore);
        var warnings = await RaceAsync();
        app.Clock.Advance(ConsultationApp.WarningBefore);
        var completions = await RaceAsync();

        Assert.InRange(warnings, 0, 12);
        Assert.InRange(completions, 0, 12);
        await using var check = app.OpenDatabase();
        foreach (var c in consultations)
        {
            Assert.Equal(
                ["Consultation started.", "This consultation ends in 5 minutes.", "Consultation ended. This chat is now read-only."],
                await app.SystemMessagesAsync(c.ConversationId!.Value));
            Assert.Equal("completed", await check.QuerySingleAsync<string>("select status from consultations where id = @Id", new { c.Id }));
            Assert.Equal("read_only", await app.ConversationStatusAsync(c.ConversationId!.Value));
        }
    }

    [Fact]
    public async Task ARestartedServerCatchesUpOnWhatFellDueWhileItWasDown()
    {
        var ct = TestContext.Current.CancellationToken;
        ConsultationView active, unpaid, unaccepted;
        string database;
        DateTimeOffset stoppedAt;
        await using (var before = new ConsultationApp())
        {
            await before.InitializeAsync();
            var doctor = await before.CreateDoctorAsync();
            await using (var db = before.OpenDatabase())
            {
                await db.ExecuteAsync("update doctor_profiles set capacity = 3 where doctor_id = @Id", new { doctor.Id });
            }

            active = await before.ActiveConsultationAsync(await before.RegisterPatientAsync(), doctor);
            unpaid = await ConsultationApp.BookAsync(await before.RegisterPatientAsync(), doctor.Id);
            unaccepted = await ConsultationApp.BookAsync(await before.RegisterPatientAsync(), doctor.Id);
            await (await before.SimulatorAsync(unaccepted.Payment!, "approve")).EnsureSuccessAsync();
            database = before.ConnectionString;
            stoppedAt = before.Clock.GetUtcNow();
        }

        // Down for 40 minutes: past the payment window, the accept window, the warning and the end.
        await using var after = new RestartedApp(database, stoppedAt + TimeSpan.FromMinutes(40));
        await after.InitializeAsync();
        await after.Services.GetRequiredService<ConsultationScheduler>().FirstRun.WaitAsync(TimeSpan.FromSeconds(30), ct);

        await using var check = after.OpenDatabase();
        var states = (await check.QueryAsync<(Guid Id, string Status, string? CancelReason, bool RefundDue)>(
            "select id, status, cancel_reason, refund_due from consultations")).ToDictionary(r => r.Id);
        Assert.Equal(("completed", (string?)null, false), (states[active.Id].Status, states[active.Id].CancelReason, states[active.Id].RefundDue));
        Assert.Equal(("cancelled", "payment_timeout", false), (states[unpaid.Id].Status, states[unpaid.Id].CancelReason, states[unpaid.Id].RefundDue));
        Assert.Equal(("cancelled", "accept_timeout", true), (states[unaccepted.Id].Status, states[unaccepted.Id].CancelReason, states[unaccepted.Id].RefundDue));
        // No stale "ends in 5 minutes" for a session that is already over.
        Assert.Equal(["Consultation started.", "Consultation ended. This chat is now read-only."], await after.SystemMessagesAsync(active.ConversationId!.Value));
        Assert.Equal("read_only", await after.ConversationStatusAsync(active.ConversationId!.Value));
    }

    private sealed class RestartedApp : ConsultationApp
    {
        private readonly string _database;

        public RestartedApp(string database, DateTimeOffset now)
        {
            _database = database;
            Clock.SetUtcNow(now);
        }

        protected override Task<string> CreateDatabaseAsync() => Task.FromResult(_database);
    }
}
