using System.Net;
using System.Net.Http.Json;
using ClinicChat.Conversations;
using ClinicChat.Realtime;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;
using Microsoft.Extensions.DependencyInjection;
using static ClinicChat.Tests.Realtime.ChatTestKit;

namespace ClinicChat.Tests.Conversations;

public sealed class ReadStateTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    [Fact]
    public async Task UnreadCountsOnlyOthersLiveMessagesAboveTheWatermark()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        var m1 = await nurse.SendAsync(conversation, "satu");
        await nurse.SendAsync(conversation, "dua");
        var m3 = await nurse.SendAsync(conversation, "tiga");
        await patient.SendAsync(conversation, "punya saya sendiri");
        await app.Services.GetRequiredService<SystemNotes>().PostAsync(conversation, "Konsultasi dimulai", Ct);

        Assert.Equal(3, await UnreadAsync(patient, conversation));
        Assert.Equal(0, await UnreadAsync(nurse, conversation) - 1); // the patient's one message

        var upTo2 = await MarkReadAsync(patient, conversation, new { upToSeq = 2 });
        Assert.Equal(new ReadStateDto(conversation, 2, 2, 1, 1), upTo2);

        var m6 = await nurse.SendAsync(conversation, "enam");
        Assert.Equal(2, await UnreadAsync(patient, conversation));

        var delete = await nurse.Http.DeleteAsync($"/api/v1/messages/{m6.Id}", Ct);
        await delete.EnsureSuccessAsync();
        Assert.Equal(1, await UnreadAsync(patient, conversation));

        var byIds = await MarkReadAsync(patient, conversation, new { messageIds = new[] { m3.Id, m1.Id } });
        Assert.Equal(3, byIds.LastReadSeq);
        Assert.Equal(0, byIds.UnreadCount);

        var backwards = await MarkReadAsync(patient, conversation, new { upToSeq = 1 });
        Assert.Equal(3, backwards.LastReadSeq);

        var beyond = await MarkReadAsync(patient, conversation, new { upToSeq = 999 });
        Assert.Equal(6, beyond.LastReadSeq);
    }

    [Fact]
    public async Task TheTotalAddsUpEveryConversation()
    {
        var patient = await app.RegisterPatientAsync();
        var nurse = await app.CreateStaffAsync("nurse");
        var doctor = await app.CreateStaffAsync("doctor");
        var care = await app.CreateCareChatAsync(patient, nurse);
        var consult = await app.CreateConversationAsync(ConversationKinds.Consultation, ConversationStatuses.Open, patient, doctor);
        await nurse.SendAsync(care, "a");
        await nurse.SendAsync(care, "b");
        await doctor.SendAsync(consult, "c");

        var summary = (await patient.Http.GetFromJsonAsync<UnreadSummaryDto>("/api/v1/unread", Ct))!;

        Assert.Equal(3, summary.TotalUnread);
        Assert.Equal(2, summary.Conversations.Single(c => c.ConversationId == care).UnreadCount);
        Assert.Equal(1, summary.Conversations.Single(c => c.ConversationId == consult).UnreadCount);
    }

    [Fact]
    public async Task StoredUnreadCountsEqualARecountAfterConcurrentSendsReadsAndDeletes()
    {
        TestUser[] members = [await app.RegisterPatientAsync(), await app.CreateStaffAsync("nurse"), await app.CreateStaffAsync("doctor")];
        var conversation = await app.CreateConversationAsync(ConversationKinds.Care, ConversationStatuses.Open, members);
        var systemMessages = app.Services.GetRequiredService<SystemNotes>();

        await Task.WhenAll(members.Select(async (member, index) =>
        {
            for (var i = 0; i < 24; i++)
            {
                var sent = await member.SendAsync(conversation, $"{index}:{i}");
                if (i % 3 == 0)
                {
                    await (await member.Http.DeleteAsync($"/api/v1/messages/{sent.Id}", Ct)).EnsureSuccessAsync();
                }

                if (i % 4 == 1)
                {
                    await MarkReadAsync(member, conversation, new { upToSeq = sent.Seq - 2 });
                }

                if (index == 0 && i % 8 == 0)
                {
                    await systemMessages.PostAsync(conversation, "Catatan sistem", Ct);
                }
            }
        }));

        foreach (var member in members)
        {
            Assert.Equal(await RecountAsync(member, conversation), await UnreadAsync(member, conversation));
        }
    }

    [Fact]
    public async Task AMemberWhoJoinsLaterStartsWithWhatIsAlreadyThere()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        await nurse.SendAsync(conversation, "satu");
        var deleted = await nurse.SendAsync(conversation, "dua");
        await (await nurse.Http.DeleteAsync($"/api/v1/messages/{deleted.Id}", Ct)).EnsureSuccessAsync();
        await patient.SendAsync(conversation, "tiga");
        var doctor = await app.CreateStaffAsync("doctor");

        var dataSource = app.Services.GetRequiredService<Npgsql.NpgsqlDataSource>();
        await using (var connection = await dataSource.OpenConnectionAsync(Ct))
        await using (var transaction = await connection.BeginTransactionAsync(Ct))
        {
            await app.Services.GetRequiredService<ConversationStore>().AddMembersAsync(connection, transaction, conversation, [doctor.Id], Ct);
            await transaction.CommitAsync(Ct);
        }

        Assert.Equal(2, await UnreadAsync(doctor, conversation));
        await nurse.SendAsync(conversation, "empat");
        Assert.Equal(3, await UnreadAsync(doctor, conversation));
    }

    [Fact]
    public async Task MarkingReadNeedsExactlyOneOfUpToSeqOrMessageIds()
    {
        var (patient, _, conversation) = await app.CarePairAsync();

        var neither = await patient.Http.PostAsJsonAsync($"/api/v1/conversations/{conversation}/read", new { }, Ct);
        var both = await patient.Http.PostAsJsonAsync($"/api/v1/conversations/{conversation}/read", new { upToSeq = 1, messageIds = new[] { Guid.NewGuid() } }, Ct);
        var negative = await patient.Http.PostAsJsonAsync($"/api/v1/conversations/{conversation}/read", new { upToSeq = -1 }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, neither.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
        Assert.Contains("upToSeq", await negative.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeliveryAcksMoveForwardAndTellTheSenderOverRestToo()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        await using var patientHub = await app.ConnectHubAsync(patient);
        var sent = await patient.SendAsync(conversation, "terkirim?");

        var ack = await nurse.Http.PostAsJsonAsync($"/api/v1/conversations/{conversation}/delivered", new { upToSeq = sent.Seq }, Ct);
        var again = await nurse.Http.PostAsJsonAsync($"/api/v1/conversations/{conversation}/delivered", new { upToSeq = 0 }, Ct);

        Assert.Equal(new DeliveryStateDto(conversation, 1), await ack.Content.ReadFromJsonAsync<DeliveryStateDto>(Ct));
        Assert.Equal(new DeliveryStateDto(conversation, 1), await again.Content.ReadFromJsonAsync<DeliveryStateDto>(Ct));
        Assert.Equal(new DeliveryReceiptEvent(conversation, nurse.Id, 1), await patientHub.NextAsync<DeliveryReceiptEvent>("deliveryReceipt"));
        var conversationState = (await patient.Http.GetFromJsonAsync<ConversationDto>($"/api/v1/conversations/{conversation}", Ct))!;
        Assert.Equal(1, conversationState.Members.Single(m => m.UserId == nurse.Id).LastDeliveredSeq);
    }

    [Fact]
    public async Task TheSenderDeletesWithinFifteenMinutesAndOthersSeeATombstone()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        await using var nurseHub = await app.ConnectHubAsync(nurse);
        await nurseHub.InvokeAsync<SubscribeResult>("Subscribe", conversation);
        var message = await patient.SendAsync(conversation, "salah kirim obatnya");
        await nurseHub.NextAsync<MessageDto>("messageCreated");

        var byOther = await nurse.Http.DeleteAsync($"/api/v1/messages/{message.Id}", Ct);
        var bySender = await patient.Http.DeleteAsync($"/api/v1/messages/{message.Id}", Ct);
        var again = await patient.Http.DeleteAsync($"/api/v1/messages/{message.Id}", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, byOther.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bySender.StatusCode);
        var tombstone = (await bySender.Content.ReadFromJsonAsync<MessageDto>(Ct))!;
        Assert.Null(tombstone.Text);
        Assert.NotNull(tombstone.DeletedAt);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(new MessageDeletedEvent(conversation, message.Id, message.Seq), await nurseHub.NextAsync<MessageDeletedEvent>("messageDeleted"));
        var history = await nurse.HistoryAsync(conversation);
        Assert.Null(Assert.Single(history.Messages).Text);
        Assert.Null((await app.StoredMessagesAsync(conversation)).Single().Text);
        var search = (await patient.Http.GetFromJsonAsync<SearchPage>("/api/v1/search/messages?q=obatnya", Ct))!;
        Assert.Empty(search.Messages);

        var marker = await patient.SendAsync(conversation, "penanda");
        Assert.Equal(marker, await nurseHub.NextAsync<MessageDto>("messageCreated"));
        Assert.Equal(0, nurseHub.Pending("messageDeleted"));
    }

    [Fact]
    public async Task SearchFindsWordsOnlyInMyOwnConversationsBestMatchFirst()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        var (stranger, strangerNurse, strangerConversation) = await app.CarePairAsync();
        await nurse.SendAsync(conversation, "Minum paracetamol setelah makan");
        await patient.SendAsync(conversation, "Paracetamol paracetamol sudah habis");
        await patient.SendAsync(conversation, "Terima kasih");
        await strangerNurse.SendAsync(strangerConversation, "paracetamol untuk pasien lain");

        var mine = (await patient.Http.GetFromJsonAsync<SearchPage>("/api/v1/search/messages?q=Paracetamol", Ct))!;
        var theirs = (await stranger.Http.GetFromJsonAsync<SearchPage>("/api/v1/search/messages?q=paracetamol", Ct))!;
        var paged = (await patient.Http.GetFromJsonAsync<SearchPage>("/api/v1/search/messages?q=paracetamol&limit=1", Ct))!;
        var second = (await patient.Http.GetFromJsonAsync<SearchPage>($"/api/v1/search/messages?q=paracetamol&limit=1&offset={paged.NextOffset}", Ct))!;
        var english = (await patient.Http.GetFromJsonAsync<SearchPage>("/api/v1/search/messages?q=after%20eating%20makan", Ct))!;
        var empty = await patient.Http.GetAsync("/api/v1/search/messages?q=%20", Ct);

        Assert.Equal(2, mine.Messages.Count);
        Assert.All(mine.Messages, m => Assert.Equal(conversation, m.ConversationId));
        Assert.Equal("Paracetamol paracetamol sudah habis", mine.Messages[0].Text);
        Assert.Equal(strangerConversation, Assert.Single(theirs.Messages).ConversationId);
        Assert.True(paged.HasMore);
        Assert.Equal(1, paged.NextOffset);
        Assert.NotEqual(paged.Messages[0].Id, Assert.Single(second.Messages).Id);
        Assert.False(second.HasMore);
        Assert.Empty(english.Messages);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    /// <summary>Others' live, non-system messages above the member's watermark, counted from the stored rows.</summary>
    private async Task<long> RecountAsync(TestUser user, Guid conversation)
    {
        await using var command = app.Services.GetRequiredService<Npgsql.NpgsqlDataSource>().CreateCommand(
            """
            select count(*) from messages x join conversation_members me on me.conversation_id = x.conversation_id
            where me.conversation_id = $1 and me.user_id = $2 and x.seq > me.last_read_seq
              and x.kind <> 'system' and x.deleted_at is null and x.sender_id is distinct from me.user_id
            """);
        command.Parameters.AddWithValue(conversation);
        command.Parameters.AddWithValue(user.Id);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    private async Task<long> UnreadAsync(TestUser user, Guid conversation) =>
        (await user.Http.GetFromJsonAsync<UnreadCountDto>($"/api/v1/conversations/{conversation}/unread-count", Ct))!.UnreadCount;

    private static async Task<ReadStateDto> MarkReadAsync(TestUser user, Guid conversation, object body)
    {
        var response = await user.Http.PostAsJsonAsync($"/api/v1/conversations/{conversation}/read", body, Ct);
        await response.EnsureSuccessAsync();
        return (await response.Content.ReadFromJsonAsync<ReadStateDto>(Ct))!;
    }
}
