using System.Net;
using System.Net.Http.Json;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Support;

public sealed record StatsResponse(
    DateTimeOffset From,
    DateTimeOffset To,
    string TimeZone,
    DateTimeOffset TodayStartsAt,
    long Open,
    long Unassigned,
    long ClosedToday,
    long MessagesToday,
    double? MedianFirstResponseSeconds,
    long RespondedRooms,
    double? MedianResolutionSeconds,
    long ResolvedRooms);

public sealed class SupportStatsTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    private static readonly TimeSpan Jakarta = TimeSpan.FromHours(7);

    [Fact]
    public async Task NumbersFollowAScriptedDayInTheClinicTimeZone()
    {
        // No admin holds a hub connection, so rooms wait in the queue until an admin takes one by hand.
        var admin = await app.CreateStaffAsync("admin", "Desk Statistik");
        var patients = new List<TestUser>();
        for (var i = 0; i < 5; i++)
        {
            patients.Add(await app.RegisterPatientAsync($"Statistik {i}"));
        }

        // Monday 10:00 in Jakarta: a room answered after 60 s and closed after 100 s. Access tokens last
        // 15 minutes of (fake) clock time, so each actor signs in again at each moment.
        var room0 = (await (await AtAsync(16, 10, 0, 0, patients[0])).SendToSupportAsync("Senin")).ConversationId;
        admin = await AtAsync(16, 10, 1, 0, admin);
        await admin.AssignSupportRoomAsync(room0);
        await app.ReplyAsDeskAsync(room0, admin, "Senin juga");
        await (await AtAsync(16, 10, 1, 40, admin)).CloseSupportRoomAsync(room0);

        // Tuesday 00:10 in Jakarta is still Monday in UTC: this message belongs to Tuesday's numbers.
        await (await AtAsync(17, 0, 10, 0, patients[4])).SendToSupportAsync("Tengah malam");

        var room1 = (await (await AtAsync(17, 9, 0, 0, patients[1])).SendToSupportAsync("Satu")).ConversationId;
        var room2 = (await (await AtAsync(17, 9, 1, 0, patients[2])).SendToSupportAsync("Dua")).ConversationId;
        admin = await AtAsync(17, 9, 2, 0, admin);
        await admin.AssignSupportRoomAsync(room1);
        await app.ReplyAsDeskAsync(room1, admin, "Jawaban satu");
        admin = await AtAsync(17, 9, 5, 0, admin);
        await admin.AssignSupportRoomAsync(room2);
        await app.ReplyAsDeskAsync(room2, admin, "Jawaban dua");
        await (await AtAsync(17, 9, 6, 0, patients[3])).OpenSupportRoomAsync();
        await (await AtAsync(17, 9, 10, 0, admin)).CloseSupportRoomAsync(room1);
        await (await AtAsync(17, 9, 30, 0, admin)).CloseSupportRoomAsync(room2);
        admin = await AtAsync(17, 9, 31, 0, admin);

        var tuesday = await StatsAsync(admin, $"?from={Uri.EscapeDataString("2026-11-17T00:00:00+07:00")}");
        Assert.Equal(new DateTimeOffset(2026, 11, 17, 0, 0, 0, Jakarta), tuesday.TodayStartsAt);
        Assert.Equal("Asia/Jakarta", tuesday.TimeZone);
        Assert.Equal(2, tuesday.Open);
        Assert.Equal(2, tuesday.Unassigned);
        Assert.Equal(2, tuesday.ClosedToday);
        Assert.Equal(5, tuesday.MessagesToday);
        Assert.Equal(180, tuesday.MedianFirstResponseSeconds);
        Assert.Equal(2, tuesday.RespondedRooms);
        Assert.Equal(1170, tuesday.MedianResolutionSeconds);
        Assert.Equal(2, tuesday.ResolvedRooms);

        // The default window (the last 7 days) takes Monday in too.
        var week = await StatsAsync(admin, "");
        Assert.Equal(120, week.MedianFirstResponseSeconds);
        Assert.Equal(3, week.RespondedRooms);
        Assert.Equal(600, week.MedianResolutionSeconds);
        Assert.Equal(3, week.ResolvedRooms);
        Assert.Equal(2, week.ClosedToday);

        // A window with nothing in it has no medians.
        var empty = await StatsAsync(admin, $"?from={Uri.EscapeDataString("2026-11-01T00:00:00Z")}&to={Uri.EscapeDataString("2026-11-02T00:00:00Z")}");
        Assert.Null(empty.MedianFirstResponseSeconds);
        Assert.Null(empty.MedianResolutionSeconds);
        Assert.Equal(0, empty.ResolvedRooms);

        var backwards = await admin.Http.GetAsync($"/api/v1/support/stats?from={Uri.EscapeDataString("2026-11-17T00:00:00Z")}&to={Uri.EscapeDataString("2026-11-16T00:00:00Z")}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);
    }

    /// <summary>Moves the clock to the given November 2026 Jakarta time and signs the actor in afresh.</summary>
    private async Task<TestUser> AtAsync(int day, int hour, int minute, int second, TestUser actor)
    {
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 11, day, hour, minute, second, Jakarta).ToUniversalTime());
        return await app.LoginAsync(actor.Email, actor.Password);
    }

    private static async Task<StatsResponse> StatsAsync(TestUser admin, string query)
    {
        var response = await admin.Http.GetAsync($"/api/v1/support/stats{query}", TestContext.Current.CancellationToken);
        await response.EnsureSuccessAsync();
        return (await response.Content.ReadFromJsonAsync<StatsResponse>(TestContext.Current.CancellationToken))!;
    }
}
