using ClinicChat.Attachments;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;
using Microsoft.Extensions.DependencyInjection;

namespace ClinicChat.Tests.Attachments;

/// <summary>Uploads never sent are deleted a day later by the background cleanup, on the fake clock.</summary>
public sealed class CleanupTests(AttachmentApp app) : IClassFixture<AttachmentApp>
{
    [Fact]
    public async Task AnUploadNeverSentIsDeletedAfter24HoursAndASentOneStays()
    {
        var (patient, _, care) = await app.CarePairAsync();
        var unsent = await patient.UploadAsync(care, AttachmentTestKit.Png(), "unsent.png", "image/png");
        var sent = await patient.UploadAsync(care, AttachmentTestKit.Pdf(), "sent.pdf", "application/pdf");
        await app.LinkAsync(sent.Id, (await patient.SendAsync(care, "hasil")).Id);
        var cleanup = app.Services.GetRequiredService<AttachmentCleanup>();

        await AdvanceAndWaitForARunAsync(cleanup, TimeSpan.FromHours(23) + TimeSpan.FromMinutes(50));
        Assert.Equal(2, await CountAsync(unsent.Id, sent.Id));

        await AdvanceAndWaitForARunAsync(cleanup, TimeSpan.FromMinutes(20));
        // A tick left over from the first advance may have been the run just seen (it read the earlier time): one more
        // cleanup interval on the clock gives a run that reads the new time. Bounded.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await CountAsync(unsent.Id) != 0 && DateTime.UtcNow < deadline)
        {
            await AdvanceAndWaitForARunAsync(cleanup, TimeSpan.FromMinutes(10));
        }

        Assert.Equal(1, await CountAsync(sent.Id));
        Assert.Equal(0, await CountAsync(unsent.Id));
        Assert.Equal(0, await app.CountAsync("select count(*) from attachment_chunks where attachment_id = $1", ("a", unsent.Id)));
        var fresh = await app.FreshAsync(patient);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await fresh.GetAttachmentAsync(unsent.Id)).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await fresh.GetAttachmentAsync(sent.Id)).StatusCode);
    }

    private Task<long> CountAsync(params Guid[] ids) =>
        app.CountAsync("select count(*) from attachments where id = any($1)", ("ids", ids));

    /// <summary>Moves the clock past at least one cleanup tick and waits (bounded) until that run has finished.</summary>
    private async Task AdvanceAndWaitForARunAsync(AttachmentCleanup cleanup, TimeSpan by)
    {
        var before = cleanup.CompletedRuns;
        app.Clock.Advance(by);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (cleanup.CompletedRuns == before)
        {
            Assert.True(DateTime.UtcNow < deadline, "The cleanup did not run after its interval passed on the clock.");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}
