using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClinicChat.Conversations;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static ClinicChat.Tests.Realtime.ChatTestKit;

namespace ClinicChat.Tests.Conversations;

public sealed class MessagingTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    [Fact]
    public async Task ARestSendIsStoredWithTheNextSeqAndAnswers201()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();

        var response = await patient.PostMessageAsync(conversation, "  Selamat pagi, Bidan  ", "c-1");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var message = (await response.Content.ReadFromJsonAsync<MessageDto>(Ct))!;
        Assert.Equal(1, message.Seq);
        Assert.Equal("Selamat pagi, Bidan", message.Text);
        Assert.Equal(patient.Id, message.SenderId);
        Assert.Equal("text", message.Kind);
        Assert.Equal("c-1", message.ClientMessageId);
        Assert.Null(message.DeletedAt);
        var second = await nurse.SendAsync(conversation, "Pagi, ada yang bisa dibantu?");
        Assert.Equal(2, second.Seq);
    }

    [Fact]
    public async Task ARetryWithTheSameClientMessageIdReturnsTheOriginalWith200AndStoresNothing()
    {
        var (patient, _, conversation) = await app.CarePairAsync();
        var first = await patient.SendAsync(conversation, "Demam sejak kemarin", "retry-1");

        var retry = await patient.PostMessageAsync(conversation, "Demam sejak kemarin", "retry-1");

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(first, await retry.Content.ReadFromJsonAsync<MessageDto>(Ct));
        Assert.Single(await app.StoredMessagesAsync(conversation));
    }

    [Fact]
    public async Task IdenticalRetriesSentConcurrentlyStoreOneMessageAndBurnNoSeq()
    {
        var (patient, _, conversation) = await app.CarePairAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => patient.PostMessageAsync(conversation, "Lost response", "lost-1")));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK));
        var ids = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<MessageDto>(Ct))!.Id));
        Assert.Single(ids.Distinct());
        Assert.Equal(2, (await patient.SendAsync(conversation, "next")).Seq);
    }

    [Fact]
    public async Task SendsGoOnAfterTheDatabaseDropsTheWritersConnection()
    {
        var (patient, _, conversation) = await app.CarePairAsync();
        await patient.SendAsync(conversation, "Before the restart", "drop-1");

        // As a database restart or failover would: every session of the server ends, the message writer's included.
        await TestDatabase.TerminateSessionsAsync(app.ConnectionString, Ct);

        // A request that meets a dropped session is refused as retryable (503); retrying with the same
        // clientMessageId stores the message once, and the next seq follows without a gap.
        HttpResponseMessage response;
        var attempts = 0;
        do
        {
            response = await patient.PostMessageAsync(conversation, "After the restart", "drop-2");
        }
        while (response.StatusCode == HttpStatusCode.ServiceUnavailable && ++attempts < 20);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(2, (await response.Content.ReadFromJsonAsync<MessageDto>(Ct))!.Seq);
        Assert.Equal(3, (await patient.SendAsync(conversation, "And on")).Seq);
        Assert.Equal(3, (await app.StoredMessagesAsync(conversation)).Count);
    }

    [Fact]
    public async Task RetriesRacingThroughTwoServerInstancesStoreOneMessageWithoutAGap()
    {
        var (patient, _, conversation) = await app.CarePairAsync();

        // A second sender with its own locks behaves like another server instance: only PostgreSQL arbitrates.
        var here = app.Services.GetRequiredService<MessageSender>();
        var elsewhere = ActivatorUtilities.CreateInstance<MessageSender>(app.Services, new ConversationLocks());
        var caller = new ChatCaller(patient.Id, false);
        for (var round = 0; round < 10; round++)
        {
            var clientId = $"race-{round}";
            var results = await Task.WhenAll(
                Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? here : elsewhere).SendAsync(caller, conversation, clientId, $"round {round}", attachmentIds: null, originConnectionId: null, Ct)));
            Assert.All(results, r => Assert.True(r.Succeeded));
            Assert.Single(results, r => r.Value!.Created);
            Assert.Single(results.Select(r => r.Value!.Message.Id).Distinct());
        }

        var stored = await app.StoredMessagesAsync(conversation);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), stored.Select(m => m.Seq));
    }

    [Fact]
    public async Task TheSameClientMessageIdInAnotherConversationCreatesANewMessage()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        var other = await app.CreateCareChatAsync(patient, await app.CreateStaffAsync("nurse"));
        var first = await patient.SendAsync(conversation, "Halo", "same-id");

        var response = await patient.PostMessageAsync(other, "Halo", "same-id");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotEqual(first.Id, (await response.Content.ReadFromJsonAsync<MessageDto>(Ct))!.Id);
        var fromNurse = await nurse.PostMessageAsync(conversation, "Halo juga", "same-id");
        Assert.Equal(HttpStatusCode.Created, fromNurse.StatusCode);
    }

    public static TheoryData<string?, string?, string> InvalidSends => new()
    {
        { "", "c", "text" },
        { "   \n\t  ", "c", "text" },
        { new string('a', 5001), "c", "text" },
        { "bell \u0007 here", "c", "text" },
        { "carriage\rreturn", "c", "text" },
        { null, "c", "text" },
        { "fine", null, "clientMessageId" },
        { "fine", "", "clientMessageId" },
        { "fine", new string('x', 101), "clientMessageId" },
    };

    [Theory]
    [MemberData(nameof(InvalidSends))]
    public async Task InvalidSendsAnswer400NamingTheFieldAndStoreNothing(string? text, string? clientMessageId, string field)
    {
        var (patient, _, conversation) = await app.CarePairAsync();

        var response = await patient.Http.PostAsJsonAsync($"/api/v1/conversations/{conversation}/messages", new { clientMessageId, text }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.ToString());
        Assert.Empty(await app.StoredMessagesAsync(conversation));
    }

    [Fact]
    public async Task FiveThousandCharactersNewlinesAndTabsAreAccepted()
    {
        var (patient, _, conversation) = await app.CarePairAsync();

        var longest = await patient.SendAsync(conversation, new string('a', 5000));
        var lines = await patient.SendAsync(conversation, "baris satu\r\nbaris\tdua");

        Assert.Equal(5000, longest.Text!.Length);
        Assert.Equal("baris satu\nbaris\tdua", lines.Text);
    }

    [Fact]
    public async Task HistoryPagesBySeqOldestToNewestWithHasMore()
    {
        var (patient, _, conversation) = await app.CarePairAsync();
        for (var i = 1; i <= 7; i++)
        {
            await patient.SendAsync(conversation, $"m{i}");
        }

        var newest = await patient.HistoryAsync(conversation, "?limit=3");
        var older = await patient.HistoryAsync(conversation, "?before=5&limit=3");
        var oldest = await patient.HistoryAsync(conversation, "?before=2&limit=3");
        var after = await patient.HistoryAsync(conversation, "?after=4&limit=2");
        var tail = await patient.HistoryAsync(conversation, "?after=5");
        var all = await patient.HistoryAsync(conversation);

        Assert.Equal([5L, 6, 7], newest.Messages.Select(m => m.Seq));
        Assert.True(newest.HasMore);
        Assert.Equal([2L, 3, 4], older.Messages.Select(m => m.Seq));
        Assert.True(older.HasMore);
        Assert.Equal([1L], oldest.Messages.Select(m => m.Seq));
        Assert.False(oldest.HasMore);
        Assert.Equal([5L, 6], after.Messages.Select(m => m.Seq));
        Assert.True(after.HasMore);
        Assert.Equal([6L, 7], tail.Messages.Select(m => m.Seq));
        Assert.False(tail.HasMore);
        Assert.Equal(7, all.Messages.Count);
        Assert.False(all.HasMore);
    }

    [Fact]
    public async Task HistoryRefusesALimitAbove100()
    {
        var (patient, _, conversation) = await app.CarePairAsync();

        var response = await patient.Http.GetAsync($"/api/v1/conversations/{conversation}/messages?limit=101", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("limit", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadingClinicalHistoryIsAuditedWithoutBodies()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        await patient.SendAsync(conversation, "rahasia medis");

        await nurse.HistoryAsync(conversation);

        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand(
            "select actor_id, detail::text from audit_log where action = 'conversation.read' and target_id = $1");
        command.Parameters.AddWithValue(conversation.ToString());
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        Assert.Equal(nurse.Id, reader.GetGuid(0));
        Assert.DoesNotContain("rahasia", reader.GetString(1), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASendToAClosedSupportRoomNamesTheConversationStatus()
    {
        var patient = await app.RegisterPatientAsync();
        var conversation = await app.CreateConversationAsync(ConversationKinds.Support, ConversationStatuses.Closed, patient, await app.AdminAsync());

        var response = await patient.PostMessageAsync(conversation, "Halo?");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("This conversation is closed", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARetryOfAMessageStoredBeforeTheConversationClosedStillReturnsTheOriginal()
    {
        var (patient, _, conversation) = await app.CarePairAsync();
        var original = await patient.SendAsync(conversation, "sebelum ditutup", "before-close");
        await SetStatusAsync(conversation, ConversationStatuses.ReadOnly);

        var retry = await patient.PostMessageAsync(conversation, "sebelum ditutup", "before-close");

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(original.Id, (await retry.Content.ReadFromJsonAsync<MessageDto>(Ct))!.Id);
    }

    [Fact]
    public async Task AnAdminMayWriteInASupportRoomWithoutBeingAMember()
    {
        var patient = await app.RegisterPatientAsync();
        var conversation = await app.CreateConversationAsync(ConversationKinds.Support, ConversationStatuses.Open, patient);
        var admin = await app.AdminAsync();

        var message = await admin.SendAsync(conversation, "Halo, ini meja bantuan.");
        var read = await admin.HistoryAsync(conversation);

        Assert.Equal(admin.Id, message.SenderId);
        Assert.Single(read.Messages);
    }

    [Fact]
    public async Task ListingMyConversationsShowsNewestActivityFirstWithLastMessageMembersAndUnread()
    {
        var patient = await app.RegisterPatientAsync("Andi");
        var nurse = await app.CreateStaffAsync("nurse", "Bidan Rina");
        var doctor = await app.CreateStaffAsync("doctor", "dr. Sari");
        var care = await app.CreateCareChatAsync(patient, nurse);
        var consult = await app.CreateConversationAsync(ConversationKinds.Consultation, ConversationStatuses.Open, patient, doctor);
        await nurse.SendAsync(care, "care 1");
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        await doctor.SendAsync(consult, "consult 1");
        app.Clock.Advance(TimeSpan.FromSeconds(1));
        await nurse.SendAsync(care, "care 2");

        var list = (await patient.Http.GetFromJsonAsync<List<ConversationDto>>("/api/v1/conversations", Ct))!;
        var one = (await patient.Http.GetFromJsonAsync<ConversationDto>($"/api/v1/conversations/{consult}", Ct))!;

        Assert.Equal([care, consult], list.Select(c => c.Id));
        Assert.Equal("care 2", list[0].LastMessage!.Text);
        Assert.Equal(2, list[0].UnreadCount);
        Assert.Equal(2, list[0].LastSeq);
        Assert.Equal(["Andi", "Bidan Rina"], list[0].Members.Select(m => m.DisplayName).Order());
        Assert.Contains(list[0].Members, m => m.UserId == nurse.Id && m.Role == "nurse");
        Assert.Equal("consultation", one.Kind);
        Assert.Equal("open", one.Status);
        Assert.Equal(1, one.UnreadCount);
        Assert.Null(one.ConsultationId);
    }

    [Fact]
    public async Task GettingAnUnknownConversationAnswers404()
    {
        var patient = await app.RegisterPatientAsync();

        var response = await patient.Http.GetAsync($"/api/v1/conversations/{Guid.NewGuid()}", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task SetStatusAsync(Guid conversation, string status)
    {
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand("update conversations set status = $1 where id = $2");
        command.Parameters.AddWithValue(status);
        command.Parameters.AddWithValue(conversation);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
