using System.Net.WebSockets;
using ClinicChat.Conversations;
using ClinicChat.Realtime;
using ClinicChat.Tests.Infrastructure;
using static ClinicChat.Tests.Realtime.ChatTestKit;

namespace ClinicChat.Tests.Realtime;

public sealed class SmallHubMessagesApp : ClinicChatApp
{
    public const int MaxHubMessageBytes = 8 * 1024;

    public SmallHubMessagesApp() => Settings["Limits:MaxHubMessageBytes"] = MaxHubMessageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public sealed class HubMessageSizeTests(SmallHubMessagesApp app) : IClassFixture<SmallHubMessagesApp>
{
    [Fact]
    public async Task AHubMessageOverTheSizeLimitClosesOnlyItsOwnConnectionAndStoresNothing()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        await using var offender = await app.ConnectHubAsync(patient);
        await using var patientElsewhere = await app.ConnectHubAsync(patient);
        await using var nurseHub = await app.ConnectHubAsync(nurse);
        await patientElsewhere.InvokeAsync<SubscribeResult>("Subscribe", conversation);

        // A valid text (5,000 characters) that is over the configured hub limit once encoded (two bytes each).
        var oversized = "rahasia-" + new string('é', MessageRules.MaxTextLength - 8);
        var refused = await Record.ExceptionAsync(() => offender.InvokeAsync<MessageDto>("SendMessage", conversation, "big-1", oversized));

        Assert.True(refused is HubInvocationException or WebSocketException, $"Unexpected: {refused}");
        await offender.Closed.WaitAsync(HubClient.DefaultTimeout, Ct);
        Assert.Empty(await app.StoredMessagesAsync(conversation));
        Assert.DoesNotContain(app.Logs.Lines, l => l.Contains("rahasia", StringComparison.Ordinal));

        // The user's other connection and everyone else's carry on; a message under the limit goes through. Both
        // answered after the offender was closed, so had they been closed with it, that would have come first.
        var fits = await nurseHub.InvokeAsync<MessageDto>("SendMessage", conversation, "fits-1", new string('a', MessageRules.MaxTextLength));
        Assert.Equal(fits, await patientElsewhere.NextAsync<MessageDto>("messageCreated"));
        await patientElsewhere.FlushAsync();
        Assert.False(patientElsewhere.Closed.IsCompleted);
        Assert.False(nurseHub.Closed.IsCompleted);
    }
}
