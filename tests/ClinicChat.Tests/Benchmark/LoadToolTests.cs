using ClinicChat.Bench;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Benchmark;

/// <summary>
/// The load tool against the test server, briefly and with small numbers: it must count correctly and the message
/// path must lose, duplicate and reorder nothing under concurrent sends. Counts only; speed lives in ./bench.
/// </summary>
public sealed class LoadToolTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    [Fact]
    public async Task AShortRunLosesNothingDuplicatesNothingAndEveryAcknowledgedMessageIsStored()
    {
        var runner = new LoadRunner(new LoadOptions
        {
            BaseUrl = app.BaseAddress,
            AdminEmail = ClinicChatApp.AdminEmail,
            AdminPassword = ClinicChatApp.AdminPassword,
            Conversations = 20,
            Rates = [100],
            StepDuration = TimeSpan.FromSeconds(2),
            Warmup = TimeSpan.Zero,
            SourceAddresses = 2,
            ProvisionParallelism = 4,
            // Receivers mark read often, so read watermarks race the sends that bump unread counts.
            MarkReadInterval = TimeSpan.FromMilliseconds(100),
        }, TextWriter.Null);

        var report = await runner.RunAsync(TestContext.Current.CancellationToken);

        Assert.Equal(40, report.ConnectionsEstablished);
        var step = Assert.Single(report.Steps);
        Assert.Equal(200, step.Sent);
        Assert.Equal(step.Sent, step.Acknowledged);
        Assert.Equal(step.Sent, step.Delivered);
        Assert.Equal(0, step.Lost);
        Assert.Equal(0, step.Duplicated);
        Assert.Equal(0, step.Refused);
        Assert.Equal(0, step.Unacknowledged);
        Assert.Equal(0, step.OutOfOrder);
        Assert.Equal(step.Acknowledged, step.AcknowledgedIds.Distinct().Count());
        var stored = await app.QueryScalarAsync<long>("select count(*) from messages where id = any(@ids)", ("ids", step.AcknowledgedIds.ToArray()));
        Assert.Equal(step.Acknowledged, stored);
        // Gap-free per conversation: every conversation's seqs are exactly 1..n.
        var gaps = await app.QueryScalarAsync<long>("""
            select count(*) from (
                select conversation_id, max(seq) - count(*) as gap from messages where id = any(@ids) group by conversation_id
            ) g where gap <> 0
            """, ("ids", step.AcknowledgedIds.ToArray()));
        Assert.Equal(0, gaps);
        var drifted = await app.QueryScalarAsync<long>("""
            select count(*) from conversation_members me
            where me.conversation_id in (select conversation_id from messages where id = any(@ids))
              and me.unread_count <> (
                  select count(*) from messages x
                  where x.conversation_id = me.conversation_id and x.seq > me.last_read_seq
                    and x.kind <> 'system' and x.deleted_at is null and x.sender_id is distinct from me.user_id)
            """, ("ids", step.AcknowledgedIds.ToArray()));
        Assert.Equal(0, drifted);
    }
}
