using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;

namespace ClinicChat.Tests.Support;

public sealed class SupportConcurrencyTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    [Fact]
    public async Task FiftyUsersOpeningAtOnceGetOneRoomEachSpreadEvenly()
    {
        var admins = new List<TestUser>();
        for (var i = 0; i < 3; i++)
        {
            admins.Add(await app.CreateStaffAsync("admin", $"Desk {i}"));
        }

        var hubs = new List<HubClient>();
        foreach (var admin in admins)
        {
            hubs.Add(await app.ConnectHubAsync(admin));
        }

        try
        {
            var patients = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => app.RegisterPatientAsync($"Serentak {i}")));

            // Every user calls twice at the same moment: still exactly one room per user.
            var calls = patients.SelectMany(p => new[] { p, p }).Select(p => p.OpenSupportRoomAsync());
            var rooms = await Task.WhenAll(calls);

            foreach (var group in rooms.GroupBy(r => r.User.UserId))
            {
                Assert.Single(group.Select(r => r.Id).Distinct());
            }

            var open = await admins[0].ListSupportRoomsAsync("open");
            Assert.Equal(50, open.Count);
            Assert.Equal(50, open.Select(r => r.User.UserId).Distinct().Count());
            Assert.All(open, r => Assert.NotNull(r.Assignee));
            var loads = admins.Select(a => open.Count(r => r.Assignee!.UserId == a.Id)).ToList();
            Assert.Equal(50, loads.Sum());
            Assert.True(loads.Max() - loads.Min() <= 1, $"Uneven loads: {string.Join(", ", loads)}");
        }
        finally
        {
            foreach (var hub in hubs)
            {
                await hub.DisposeAsync();
            }
        }
    }
}
