using System.Net;
using System.Net.Http.Json;
using ClinicChat.Conversations;
using ClinicChat.Realtime;
using ClinicChat.Tests.Infrastructure;
using static ClinicChat.Tests.Realtime.ChatTestKit;

namespace ClinicChat.Tests.Realtime;

public sealed class ChatHubTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    [Fact]
    public async Task TwoClientsChatOverTheHubWithReceiptsAndUnreadCounts()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        await using var patientHub = await app.ConnectHubAsync(patient);
        await using var nurseHub = await app.ConnectHubAsync(nurse, tokenInQuery: true);
        var subscribed = await nurseHub.InvokeAsync<SubscribeResult>("Subscribe", conversation);
        await patientHub.InvokeAsync<SubscribeResult>("Subscribe", conversation);

        var sent = await patientHub.InvokeAsync<MessageDto>("SendMessage", conversation, "hub-1", "Bidan, anak saya demam");

        Assert.Equal(0, subscribed.LastSeq);
        Assert.Contains(patient.Id, subscribed.Conversation.Members.Select(m => m.UserId));
        Assert.Equal(1, sent.Seq);
        Assert.Equal(sent, await nurseHub.NextAsync<MessageDto>("messageCreated"));
        Assert.Equal(new UnreadChangedEvent(conversation, 1, 1), await nurseHub.NextAsync<UnreadChangedEvent>("unreadChanged"));

        var delivered = await nurseHub.InvokeAsync<DeliveryStateDto>("AckDelivered", conversation, sent.Seq);
        Assert.Equal(1, delivered.LastDeliveredSeq);
        Assert.Equal(new DeliveryReceiptEvent(conversation, nurse.Id, 1), await patientHub.NextAsync<DeliveryReceiptEvent>("deliveryReceipt"));

        var read = await nurseHub.InvokeAsync<ReadStateDto>("MarkRead", conversation, sent.Seq);
        Assert.Equal(new ReadStateDto(conversation, 1, 1, 0, 0), read);
        Assert.Equal(new ReadReceiptEvent(conversation, nurse.Id, 1), await patientHub.NextAsync<ReadReceiptEvent>("readReceipt"));
        Assert.Equal(new UnreadChangedEvent(conversation, 0, 0), await nurseHub.NextAsync<UnreadChangedEvent>("unreadChanged"));

        // A REST send produces the same events.
        var viaRest = await nurse.SendAsync(conversation, "Sudah berapa hari?");
        Assert.Equal(viaRest, await patientHub.NextMatchingAsync<MessageDto>("messageCreated", m => m.Seq == 2));
        Assert.Equal(new UnreadChangedEvent(conversation, 1, 1), await patientHub.NextAsync<UnreadChangedEvent>("unreadChanged"));
    }

    [Fact]
    public async Task TheSendingConnectionGetsItsMessageAsTheResultAndTheSendersOtherConnectionsAsAnEvent()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        await using var phone = await app.ConnectHubAsync(patient);
        await using var laptop = await app.ConnectHubAsync(patient);
        await using var nurseHub = await app.ConnectHubAsync(nurse);
        foreach (var hub in new[] { phone, laptop, nurseHub })
        {
            await hub.InvokeAsync<SubscribeResult>("Subscribe", conversation);
        }

        var sent = await phone.InvokeAsync<MessageDto>("SendMessage", conversation, "echo-1", "dari ponsel");
        var viaRest = await patient.SendAsync(conversation, "dari API");

        Assert.Equal(sent, await laptop.NextAsync<MessageDto>("messageCreated"));
        Assert.Equal(sent, await nurseHub.NextAsync<MessageDto>("messageCreated"));
        // A REST send has no connection to spare: all of them hear it, the sender's own included. It is the phone's
        // first messageCreated: an echo of its hub send (published before it, on the same connection) would come first.
        Assert.Equal(viaRest, await phone.NextAsync<MessageDto>("messageCreated"));
        Assert.Equal(viaRest, await laptop.NextAsync<MessageDto>("messageCreated"));
    }

    [Fact]
    public async Task UnreadChangedReachesAConnectionThatIsNotSubscribed()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        await using var nurseHub = await app.ConnectHubAsync(nurse);

        await patient.SendAsync(conversation, "Halo");

        Assert.Equal(new UnreadChangedEvent(conversation, 1, 1), await nurseHub.NextAsync<UnreadChangedEvent>("unreadChanged"));
        // The REST send answered after writing its messageCreated to every subscribed connection: the flush is behind it.
        await nurseHub.FlushAsync();
        Assert.Equal(0, nurseHub.Pending("messageCreated"));
    }

    [Fact]
    public async Task UserEventsReachEveryOpenConnectionOfThatUserAndNoOneElse()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        var (otherPatient, otherNurse, otherConversation) = await app.CarePairAsync();
        var nurseTab1 = await app.ConnectHubAsync(nurse);
        await using var nurseTab2 = await app.ConnectHubAsync(nurse);
        await using var stranger = await app.ConnectHubAsync(otherPatient);

        await patient.SendAsync(conversation, "satu");

        Assert.Equal(new UnreadChangedEvent(conversation, 1, 1), await nurseTab1.NextAsync<UnreadChangedEvent>("unreadChanged"));
        Assert.Equal(new UnreadChangedEvent(conversation, 1, 1), await nurseTab2.NextAsync<UnreadChangedEvent>("unreadChanged"));

        await nurseTab1.DisposeAsync();
        await patient.SendAsync(conversation, "dua");

        Assert.Equal(new UnreadChangedEvent(conversation, 2, 2), await nurseTab2.NextAsync<UnreadChangedEvent>("unreadChanged"));

        // A barrier: unreadChanged events go out from one loop in the order of the changes, so the stranger's own
        // (announced after the two above had gone out) comes after anything the stranger was wrongly sent with them.
        await otherNurse.SendAsync(otherConversation, "untuk pasien lain");
        Assert.Equal(new UnreadChangedEvent(otherConversation, 1, 1), await stranger.NextAsync<UnreadChangedEvent>("unreadChanged"));
        Assert.Equal(0, stranger.Pending("unreadChanged"));
    }

    [Fact]
    public async Task AHubRetryWithTheSameClientMessageIdReturnsTheOriginalAndPublishesOnce()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        await using var patientHub = await app.ConnectHubAsync(patient);
        await using var nurseHub = await app.ConnectHubAsync(nurse);
        await nurseHub.InvokeAsync<SubscribeResult>("Subscribe", conversation);

        // Both "attempts" in flight at once, as when the first answer was lost and the client retried.
        var attempts = await Task.WhenAll(
            patientHub.InvokeAsync<MessageDto>("SendMessage", conversation, "dup", "Sekali saja"),
            patientHub.InvokeAsync<MessageDto>("SendMessage", conversation, "dup", "Sekali saja"));
        var later = await patientHub.InvokeAsync<MessageDto>("SendMessage", conversation, "dup", "Sekali saja");
        var marker = await patientHub.InvokeAsync<MessageDto>("SendMessage", conversation, "marker", "penanda");

        Assert.Equal(attempts[0], attempts[1]);
        Assert.Equal(attempts[0], later);
        Assert.Equal(2, marker.Seq);
        Assert.Equal(attempts[0], await nurseHub.NextAsync<MessageDto>("messageCreated"));
        Assert.Equal(marker, await nurseHub.NextAsync<MessageDto>("messageCreated"));
    }

    [Theory]
    [InlineData("", "text")]
    [InlineData("   ", "text")]
    [InlineData("\u0001", "text")]
    [InlineData(null, "text")]
    public async Task InvalidHubSendsFailWithAClearMessageAndStoreNothing(string? text, string field)
    {
        var (patient, _, conversation) = await app.CarePairAsync();
        await using var hub = await app.ConnectHubAsync(patient);

        var error = await Assert.ThrowsAsync<HubInvocationException>(() => hub.InvokeAsync<MessageDto>("SendMessage", conversation, "v-1", text));
        var tooLong = await Assert.ThrowsAsync<HubInvocationException>(() => hub.InvokeAsync<MessageDto>("SendMessage", conversation, "v-2", new string('a', 5001)));
        var noId = await Assert.ThrowsAsync<HubInvocationException>(() => hub.InvokeAsync<MessageDto>("SendMessage", conversation, null, "ok"));

        Assert.StartsWith($"[request.invalid] {field}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("at most 5000 characters", tooLong.Message, StringComparison.Ordinal);
        Assert.StartsWith("[request.invalid] clientMessageId: ", noId.Message, StringComparison.Ordinal);
        Assert.Empty(await app.StoredMessagesAsync(conversation));
    }

    [Fact]
    public async Task TwentySendersOfFiftyMessagesGetSeqsOneToAThousandAndEverySubscriberSeesTheSameOrder()
    {
        var senders = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => app.RegisterPatientAsync()));
        var observers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => app.CreateStaffAsync("nurse")));
        var conversation = await app.CreateConversationAsync(ConversationKinds.Support, ConversationStatuses.Open, [.. senders, .. observers]);
        var observerHubs = await Task.WhenAll(observers.Select(o => app.ConnectHubAsync(o)));
        var senderHubs = await Task.WhenAll(senders.Take(10).Select(s => app.ConnectHubAsync(s)));
        try
        {
            foreach (var hub in observerHubs)
            {
                await hub.InvokeAsync<SubscribeResult>("Subscribe", conversation);
            }

            // Half the senders use the hub, half REST: one send path, one seq.
            var sends = senders.Select((sender, i) => Task.Run(async () =>
            {
                var acked = new List<MessageDto>();
                for (var n = 0; n < 50; n++)
                {
                    acked.Add(i < 10
                        ? await senderHubs[i].InvokeAsync<MessageDto>("SendMessage", conversation, $"s{i}-{n}", $"sender {i} message {n}")
                        : await sender.SendAsync(conversation, $"sender {i} message {n}", $"s{i}-{n}"));
                }

                return acked;
            }, Ct));
            var acknowledged = (await Task.WhenAll(sends)).SelectMany(a => a).ToList();

            Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), acknowledged.Select(m => m.Seq).Order());
            var stored = await app.StoredMessagesAsync(conversation);
            Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), stored.Select(m => m.Seq));
            foreach (var hub in observerHubs)
            {
                var seen = new List<long>();
                for (var n = 0; n < 1000; n++)
                {
                    seen.Add((await hub.NextAsync<MessageDto>("messageCreated")).Seq);
                }

                Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), seen);
            }
        }
        finally
        {
            foreach (var hub in observerHubs.Concat(senderHubs))
            {
                await hub.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task AClientThatDroppedCatchesUpWithSyncWithoutGapOrDuplicate()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        var nurseHub = await app.ConnectHubAsync(nurse);
        await nurseHub.InvokeAsync<SubscribeResult>("Subscribe", conversation);
        await patient.SendAsync(conversation, "sebelum putus");
        var lastSeq = (await nurseHub.NextAsync<MessageDto>("messageCreated")).Seq;
        await nurseHub.DisposeAsync();

        for (var i = 0; i < 200; i++)
        {
            await patient.SendAsync(conversation, $"selama putus {i}");
        }

        await using var reconnected = await app.ConnectHubAsync(nurse);
        var state = await reconnected.InvokeAsync<SubscribeResult>("Subscribe", conversation);
        var caughtUp = new List<MessageDto>();
        MessagePage page;
        var after = lastSeq;
        do
        {
            page = await reconnected.InvokeAsync<MessagePage>("Sync", conversation, after, 100);
            caughtUp.AddRange(page.Messages);
            after = page.Messages.Count > 0 ? page.Messages[^1].Seq : after;
        }
        while (page.HasMore);

        Assert.Equal(201, state.LastSeq);
        Assert.Equal(Enumerable.Range(2, 200).Select(i => (long)i), caughtUp.Select(m => m.Seq));
        Assert.Equal("selama putus 199", caughtUp[^1].Text);
        var live = await patient.SendAsync(conversation, "setelah sambung");
        Assert.Equal(live, await reconnected.NextAsync<MessageDto>("messageCreated"));
    }

    [Fact]
    public async Task TypingIsBroadcastToOthersAndExpiresByItself()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        await using var patientHub = await app.ConnectHubAsync(patient);
        await using var nurseHub = await app.ConnectHubAsync(nurse);
        await nurseHub.InvokeAsync<SubscribeResult>("Subscribe", conversation);
        await patientHub.InvokeAsync<SubscribeResult>("Subscribe", conversation);

        await patientHub.InvokeAsync("Typing", conversation, true);
        Assert.Equal(new TypingEvent(conversation, patient.Id, true), await nurseHub.NextAsync<TypingEvent>("typing"));

        // A refresh keeps it alive without another broadcast... (a broadcast is written before the typing call
        // answers, and the expiry's as its timer fires inside Advance: the nurse's flush is behind either)
        app.Clock.Advance(TimeSpan.FromSeconds(4));
        await patientHub.InvokeAsync("Typing", conversation, true);
        app.Clock.Advance(TimeSpan.FromSeconds(4));
        await nurseHub.FlushAsync();
        Assert.Equal(0, nurseHub.Pending("typing"));

        // ...and without one it expires, and the others are told; the sender's own connections are not.
        app.Clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(new TypingEvent(conversation, patient.Id, false), await nurseHub.NextAsync<TypingEvent>("typing"));
        await patientHub.FlushAsync();
        Assert.Equal(0, patientHub.Pending("typing"));
    }

    [Fact]
    public async Task AnExplicitStopOrADisconnectEndsTyping()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        var patientHub = await app.ConnectHubAsync(patient);
        await using var nurseHub = await app.ConnectHubAsync(nurse);
        await nurseHub.InvokeAsync<SubscribeResult>("Subscribe", conversation);

        await patientHub.InvokeAsync("Typing", conversation, true);
        await patientHub.InvokeAsync("Typing", conversation, false);
        Assert.True((await nurseHub.NextAsync<TypingEvent>("typing")).IsTyping);
        Assert.False((await nurseHub.NextAsync<TypingEvent>("typing")).IsTyping);

        await patientHub.InvokeAsync("Typing", conversation, true);
        Assert.True((await nurseHub.NextAsync<TypingEvent>("typing")).IsTyping);
        await patientHub.DisposeAsync();
        Assert.False((await nurseHub.NextAsync<TypingEvent>("typing")).IsTyping);
    }

    [Fact]
    public async Task PresenceIsPerUserAcrossConnectionsAndGoesToConversationPartners()
    {
        var (patient, nurse, _) = await app.CarePairAsync();
        var stranger = await app.RegisterPatientAsync();
        await using var nurseHub = await app.ConnectHubAsync(nurse);
        await using var strangerHub = await app.ConnectHubAsync(stranger);

        var phone = await app.ConnectHubAsync(patient);
        Assert.Equal(new PresenceEvent(patient.Id, true), await nurseHub.NextAsync<PresenceEvent>("presence"));
        var laptop = await app.ConnectHubAsync(patient);
        await phone.DisposeAsync();

        // Still online through the laptop: nothing is sent until the last connection goes.
        await laptop.DisposeAsync();
        Assert.Equal(new PresenceEvent(patient.Id, false), await nurseHub.NextAsync<PresenceEvent>("presence"));

        // A barrier: coming back online is announced after anything the connections above caused, so had the laptop's
        // arrival or the phone's leaving been announced, the nurse's next presence event would not be this one.
        await using var back = await app.ConnectHubAsync(patient);
        Assert.Equal(new PresenceEvent(patient.Id, true), await nurseHub.NextAsync<PresenceEvent>("presence"));
        Assert.Equal(0, nurseHub.Pending("presence"));
        // Each announcement is one send to every partner at once, all started before the nurse heard the last one.
        await strangerHub.FlushAsync();
        Assert.Equal(0, strangerHub.Pending("presence"));
    }

    [Fact]
    public async Task SubscribeReportsWhichMembersAreOnline()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        await using var nurseHub = await app.ConnectHubAsync(nurse);
        await using var patientHub = await app.ConnectHubAsync(patient);

        var state = await patientHub.InvokeAsync<SubscribeResult>("Subscribe", conversation);

        Assert.Equal(new[] { nurse.Id, patient.Id }.Order(), state.OnlineUserIds.Order());
    }

    [Fact]
    public async Task LoggingOutClosesThatSessionsHubConnectionsOnly()
    {
        var patient = await app.RegisterPatientAsync();
        var otherSession = await app.LoginAsync(patient.Email, patient.Password);
        var hub = await app.ConnectHubAsync(patient);
        await using var otherHub = await app.ConnectHubAsync(otherSession);

        var logout = await patient.Http.PostAsync("/api/v1/auth/logout", null, Ct);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        await hub.Closed.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await hub.DisposeAsync();
        // Answered after the logout closed the first connection, so a close of this one would have come before.
        var stillAnswers = await Assert.ThrowsAsync<HubInvocationException>(() => otherHub.InvokeAsync<MessagePage>("Sync", Guid.NewGuid(), 0, 1));
        Assert.Equal("[conversation.not_found] Conversation was not found.", stillAnswers.Message);
        Assert.False(otherHub.Closed.IsCompleted);
    }

    [Fact]
    public async Task ASessionRevokedElsewhereIsClosedByTheNextSweep()
    {
        var patient = await app.RegisterPatientAsync();
        var hub = await app.ConnectHubAsync(patient);

        // As another server instance would: straight in the database, with no in-process event.
        var dataSource = app.Services.GetService(typeof(Npgsql.NpgsqlDataSource)) as Npgsql.NpgsqlDataSource;
        await using (var command = dataSource!.CreateCommand("update sessions set revoked_at = now() where user_id = $1"))
        {
            command.Parameters.AddWithValue(patient.Id);
            await command.ExecuteNonQueryAsync(Ct);
        }

        app.Clock.Advance(SessionSweeper.Interval);

        await hub.Closed.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await hub.DisposeAsync();
    }

    [Fact]
    public async Task DisablingAUserClosesTheirHubConnections()
    {
        var nurse = await app.CreateStaffAsync("nurse");
        var hub = await app.ConnectHubAsync(nurse);
        var admin = await app.AdminAsync();

        var disable = await admin.Http.PostAsync($"/api/v1/admin/users/{nurse.Id}/disable", null, Ct);

        await disable.EnsureSuccessAsync();
        await hub.Closed.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await hub.DisposeAsync();
    }

    [Fact]
    public async Task ABrowserOriginMustBeAllowedToOpenTheHub()
    {
        var patient = await app.RegisterPatientAsync();

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() =>
            HubClient.ConnectAsync(app.HubUrl(), patient.AccessToken, tokenInQuery: true, origin: "http://evil.example", cancellationToken: Ct));
        var refusedSocket = await HubClient.UpgradeStatusAsync(app.HubUrl(), patient.AccessToken, origin: "http://evil.example");
        await using var allowed = await app.ConnectHubAsync(patient, tokenInQuery: true, origin: "http://allowed.example");
        await using var sameOrigin = await app.ConnectHubAsync(patient, origin: app.BaseAddress.GetLeftPart(UriPartial.Authority));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refusedSocket);
    }

    [Fact]
    public async Task TheHubRefusesAnonymousConnections()
    {
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() =>
            HubClient.ConnectAsync(app.HubUrl(), "not-a-token", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task TheAccessTokenInTheQueryStringNeverReachesTheLogs()
    {
        var patient = await app.RegisterPatientAsync();
        await using var hub = await app.ConnectHubAsync(patient, tokenInQuery: true);
        await hub.InvokeAsync<MessagePage>("Sync", await app.CreateCareChatAsync(patient, await app.CreateStaffAsync("nurse")), 0, 10);

        Assert.DoesNotContain(app.Logs.Lines, line => line.Contains(patient.AccessToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task MessageBodiesNeverReachTheLogs()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        await using var hub = await app.ConnectHubAsync(patient);
        await hub.InvokeAsync<MessageDto>("SendMessage", conversation, "log-1", "diagnosis-secret-7731");
        await nurse.SendAsync(conversation, "reply-secret-9924");
        await patient.Http.GetAsync($"/api/v1/search/messages?q=diagnosis", Ct);

        var leaks = app.Logs.Lines.Where(line => line.Contains("secret-7731", StringComparison.Ordinal) || line.Contains("secret-9924", StringComparison.Ordinal));
        Assert.Empty(leaks);
    }

    [Fact]
    public async Task SyncAndHistoryAgreeAndSyncRefusesALimitAbove100()
    {
        var (patient, _, conversation) = await app.CarePairAsync();
        for (var i = 0; i < 5; i++)
        {
            await patient.SendAsync(conversation, $"m{i}");
        }

        await using var hub = await app.ConnectHubAsync(patient);
        var synced = await hub.InvokeAsync<MessagePage>("Sync", conversation, 2, null);
        var history = await patient.HistoryAsync(conversation, "?after=2");
        var error = await Assert.ThrowsAsync<HubInvocationException>(() => hub.InvokeAsync<MessagePage>("Sync", conversation, 0, 101));

        Assert.Equal(history, synced, new PageComparer());
        Assert.Contains("limit", error.Message, StringComparison.Ordinal);
    }

    private sealed class PageComparer : IEqualityComparer<MessagePage>
    {
        public bool Equals(MessagePage? x, MessagePage? y) =>
            x is not null && y is not null && x.HasMore == y.HasMore && x.Messages.SequenceEqual(y.Messages);

        public int GetHashCode(MessagePage obj) => obj.Messages.Count;
    }
}
