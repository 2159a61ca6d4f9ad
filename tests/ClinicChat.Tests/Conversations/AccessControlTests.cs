using System.Net;
using System.Net.Http.Json;
using ClinicChat.Conversations;
using ClinicChat.Realtime;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static ClinicChat.Tests.Realtime.ChatTestKit;

namespace ClinicChat.Tests.Conversations;

/// <summary>
/// The IDOR matrix: every chat route and hub method, given someone else's conversation or message id, is refused
/// without revealing that it exists, and nobody hears anything about it.
/// </summary>
public sealed class AccessControlTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    public static TheoryData<string> Outsiders => ["patient", "unassigned nurse", "doctor", "admin"];

    [Theory]
    [MemberData(nameof(Outsiders))]
    public async Task EveryRestRouteRefusesAnotherUsersConversationAndEmitsNothing(string outsiderKind)
    {
        var (patient, nurse, conversation, message, victimHub) = await VictimAsync();
        await using var patientHub = victimHub;
        var outsider = await OutsiderAsync(outsiderKind);
        await using var nurseHub = await app.ConnectHubAsync(nurse);
        await nurseHub.InvokeAsync<SubscribeResult>("Subscribe", conversation);

        var http = outsider.Http;
        var c = $"/api/v1/conversations/{conversation}";
        var responses = new Dictionary<string, HttpResponseMessage>
        {
            ["get"] = await http.GetAsync(c, Ct),
            ["history"] = await http.GetAsync($"{c}/messages", Ct),
            ["send"] = await http.PostAsJsonAsync($"{c}/messages", new { clientMessageId = "idor", text = "intrusion" }, Ct),
            ["read"] = await http.PostAsJsonAsync($"{c}/read", new { upToSeq = 1 }, Ct),
            ["readByIds"] = await http.PostAsJsonAsync($"{c}/read", new { messageIds = new[] { message.Id } }, Ct),
            ["delivered"] = await http.PostAsJsonAsync($"{c}/delivered", new { upToSeq = 1 }, Ct),
            ["unread"] = await http.GetAsync($"{c}/unread-count", Ct),
        };
        if (outsiderKind != "admin")
        {
            // Admins may delete any message (moderation); everyone else must not learn the message exists.
            responses["delete"] = await http.DeleteAsync($"/api/v1/messages/{message.Id}", Ct);
        }

        foreach (var (route, response) in responses)
        {
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{route}: {(int)response.StatusCode}");
        }

        var search = (await http.GetFromJsonAsync<SearchPage>("/api/v1/search/messages?q=rahasia", Ct))!;
        Assert.Empty(search.Messages);
        var list = (await http.GetFromJsonAsync<List<ConversationDto>>("/api/v1/conversations", Ct))!;
        Assert.DoesNotContain(list, l => l.Id == conversation);
        await AssertUntouchedAsync(patient, nurse, conversation, message, nurseHub, patientHub, outsider);
    }

    [Theory]
    [MemberData(nameof(Outsiders))]
    public async Task EveryHubMethodRefusesAnotherUsersConversationAndEmitsNothing(string outsiderKind)
    {
        var (patient, nurse, conversation, message, victimHub) = await VictimAsync();
        await using var patientHub = victimHub;
        var outsider = await OutsiderAsync(outsiderKind);
        await using var nurseHub = await app.ConnectHubAsync(nurse);
        await nurseHub.InvokeAsync<SubscribeResult>("Subscribe", conversation);
        await using var hub = await app.ConnectHubAsync(outsider);

        var calls = new Dictionary<string, Func<Task>>
        {
            ["Subscribe"] = () => hub.InvokeAsync<SubscribeResult>("Subscribe", conversation),
            ["SendMessage"] = () => hub.InvokeAsync<MessageDto>("SendMessage", conversation, "idor", "intrusion"),
            ["Typing"] = () => hub.InvokeAsync("Typing", conversation, true),
            ["MarkRead"] = () => hub.InvokeAsync<ReadStateDto>("MarkRead", conversation, 1),
            ["AckDelivered"] = () => hub.InvokeAsync<DeliveryStateDto>("AckDelivered", conversation, 1),
            ["Sync"] = () => hub.InvokeAsync<MessagePage>("Sync", conversation, 0, 50),
        };
        foreach (var (method, call) in calls)
        {
            var error = await Assert.ThrowsAsync<HubInvocationException>(call);
            Assert.True(error.Message == "[conversation.not_found] Conversation was not found.", $"{method}: {error.Message}");
        }

        // Unsubscribing from a group one never joined is harmless, and must stay so.
        await hub.InvokeAsync("Unsubscribe", conversation);
        await AssertUntouchedAsync(patient, nurse, conversation, message, nurseHub, patientHub, outsider);
        // The marker's send answered after writing its messageCreated to every subscribed connection.
        await hub.FlushAsync();
        Assert.Equal(0, hub.Pending("messageCreated"));
    }

    [Fact]
    public async Task AnAdminCanReachASupportRoomButNotAClinicalConversation()
    {
        var admin = await app.AdminAsync();
        var patient = await app.RegisterPatientAsync();
        var support = await app.CreateConversationAsync(ConversationKinds.Support, ConversationStatuses.Open, patient);
        var (_, _, care, _, victimHub) = await VictimAsync();
        await using var _ = victimHub;
        await using var hub = await app.ConnectHubAsync(admin);

        var subscribed = await hub.InvokeAsync<SubscribeResult>("Subscribe", support);
        var read = await hub.InvokeAsync<ReadStateDto>("MarkRead", support, 0);
        var refused = await Assert.ThrowsAsync<HubInvocationException>(() => hub.InvokeAsync<SubscribeResult>("Subscribe", care));

        Assert.Equal(support, subscribed.Conversation.Id);
        Assert.Equal(0, read.LastReadSeq);
        Assert.Equal("[conversation.not_found] Conversation was not found.", refused.Message);
    }

    private async Task AssertUntouchedAsync(TestUser patient, TestUser nurse, Guid conversation, MessageDto message, HubClient nurseHub, HubClient patientHub, TestUser outsider)
    {
        // Barriers: anything the refused calls had published would have been queued before these messages' events.
        // The patient's hub is not subscribed, so it hears the nurse's reply only as unreadChanged, which one loop
        // sends in the order of the changes; the flush then covers the events that are written before a call answers.
        var marker = await patient.SendAsync(conversation, "penanda");
        Assert.Equal(marker, await nurseHub.NextAsync<MessageDto>("messageCreated"));
        Assert.Equal(new UnreadChangedEvent(conversation, 1, 1), await nurseHub.NextAsync<UnreadChangedEvent>("unreadChanged"));
        var reply = await nurse.SendAsync(conversation, "penanda juga");
        Assert.Equal(reply, await nurseHub.NextAsync<MessageDto>("messageCreated"));
        Assert.Equal(conversation, (await patientHub.NextAsync<UnreadChangedEvent>("unreadChanged")).ConversationId);
        await patientHub.FlushAsync();
        await nurseHub.FlushAsync();
        foreach (var name in new[] { "messageCreated", "messageDeleted", "readReceipt", "deliveryReceipt", "typing", "unreadChanged" })
        {
            Assert.True(nurseHub.Pending(name) == 0, $"nurse got {name}");
            Assert.True(patientHub.Pending(name) == 0, $"patient got {name}");
        }

        var stored = await app.StoredMessagesAsync(conversation);
        Assert.Equal([message.Seq, marker.Seq, reply.Seq], stored.Select(m => m.Seq));
        Assert.Equal(message.Text, stored[0].Text);
        var state = (await nurse.Http.GetFromJsonAsync<ConversationDto>($"/api/v1/conversations/{conversation}", Ct))!;
        Assert.Equal(2, state.Members.Count);
        Assert.All(state.Members, m => Assert.Equal((0L, 0L), (m.LastReadSeq, m.LastDeliveredSeq)));

        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        await using var audit = dataSource.CreateCommand("select count(*) from audit_log where actor_id = $1 and action in ('conversation.read', 'message.deleted', 'messages.searched')");
        audit.Parameters.AddWithValue(outsider.Id);
        Assert.Equal(0L, (long)(await audit.ExecuteScalarAsync(Ct))!);
    }

    private async Task<(TestUser Patient, TestUser Nurse, Guid Conversation, MessageDto Message, HubClient PatientHub)> VictimAsync()
    {
        var patient = await app.RegisterPatientAsync();
        var nurse = await app.CreateStaffAsync("nurse");
        var admin = await app.AdminAsync();
        var assign = await admin.Http.PutAsJsonAsync($"/api/v1/admin/patients/{patient.Id}/nurse", new { nurseId = nurse.Id }, Ct);
        await assign.EnsureSuccessAsync();
        var conversation = (await assign.Content.ReadFromJsonAsync<ClinicChat.Care.CareAssignmentDto>(Ct))!.ConversationId;
        // Online before the message, so its unreadChanged is consumed here, not mistaken later for one a refused call caused.
        var patientHub = await app.ConnectHubAsync(patient);
        var message = await nurse.SendAsync(conversation, "hasil lab rahasia");
        Assert.Equal(new UnreadChangedEvent(conversation, 1, 1), await patientHub.NextAsync<UnreadChangedEvent>("unreadChanged"));
        return (patient, nurse, conversation, message, patientHub);
    }

    private async Task<TestUser> OutsiderAsync(string kind) => kind switch
    {
        "patient" => await app.RegisterPatientAsync(),
        "unassigned nurse" => await app.CreateStaffAsync("nurse"),
        "doctor" => await app.CreateStaffAsync("doctor"),
        _ => await app.AdminAsync(),
    };
}
