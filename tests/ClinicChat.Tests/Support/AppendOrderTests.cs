using ClinicChat.Conversations;
using ClinicChat.Realtime;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;
using Microsoft.Extensions.DependencyInjection;

namespace ClinicChat.Tests.Support;

// Its own class (own server and database): the desk's automatic assignment must not see other tests' admins.
public sealed class AppendOrderTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    private const int Rounds = 15;

    [Fact]
    public async Task SystemNotesAndDeskMessagesInterleavedWithOrdinarySendsReachEverySubscriberInSeqOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        var admin = await app.CreateStaffAsync("admin", "Desk Order");
        var patient = await app.RegisterPatientAsync("Rina Order");
        var room = (await patient.SendToSupportAsync("Halo, mulai.")).ConversationId;

        await using var patientHub = await app.ConnectHubAsync(patient);
        await using var adminHub = await app.ConnectHubAsync(admin);
        // Hub sends come from a connection of their own: the sending connection gets its message as the call's result.
        await using var adminSender = await app.ConnectHubAsync(admin);
        var subscribed = await patientHub.InvokeAsync<SubscribeResult>("Subscribe", room);
        await adminHub.InvokeAsync<SubscribeResult>("Subscribe", room);

        // Every way a message enters a conversation, all at once: the desk's user path, an ordinary REST send, a hub
        // send, and system notes (as consultations and support closing write them).
        var notes = app.Services.GetRequiredService<SystemNotes>();
        var work = new List<Task>();
        for (var i = 0; i < Rounds; i++)
        {
            work.Add(patient.SendToSupportAsync($"pasien {i}", $"p-{i}"));
            work.Add(admin.SendAsync(room, $"admin {i}", $"a-{i}"));
            work.Add(adminSender.InvokeAsync<MessageDto>("SendMessage", room, $"h-{i}", $"hub {i}"));
            work.Add(notes.PostAsync(room, $"catatan {i}", ct));
        }

        await Task.WhenAll(work);
        // The marker goes last; a subscriber that has seen it has seen everything before it, so no waiting on time.
        var marker = await notes.PostAsync(room, "penanda", ct);
        var expected = Enumerable.Range(0, (int)(marker.Seq - subscribed.LastSeq)).Select(i => subscribed.LastSeq + 1 + i).ToList();
        Assert.Equal(4 * Rounds + 1, expected.Count);

        foreach (var hub in new[] { patientHub, adminHub })
        {
            var seen = new List<long>();
            MessageDto next;
            do
            {
                next = await hub.NextAsync<MessageDto>("messageCreated");
                seen.Add(next.Seq);
            }
            while (next.Id != marker.Id);

            Assert.Equal(expected, seen);
        }
    }
}
