using System.Net;
using System.Net.Http.Json;
using ClinicChat.Conversations;
using ClinicChat.Tests.Infrastructure;
using static ClinicChat.Tests.Realtime.ChatTestKit;

namespace ClinicChat.Tests.Realtime;

public sealed class TightLimitsApp : ClinicChatApp
{
    public TightLimitsApp()
    {
        Settings["Limits:SendsPerSecond"] = "1";
        Settings["Limits:SendBurst"] = "3";
        Settings["Limits:MaxHubConnections"] = "3";
    }
}

public sealed class LimitsTests(TightLimitsApp app) : IClassFixture<TightLimitsApp>
{
    [Fact]
    public async Task TheSendRateLimitIsSharedByRestAndHubAnswersClearlyAndDropsNothingAcknowledged()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        var hub = await app.ConnectHubAsync(patient);
        var acknowledged = new List<MessageDto>();
        try
        {
            acknowledged.Add(await patient.SendAsync(conversation, "satu"));
            acknowledged.Add(await hub.InvokeAsync<MessageDto>("SendMessage", conversation, "h-2", "dua"));
            acknowledged.Add(await patient.SendAsync(conversation, "tiga"));

            var rest = await patient.PostMessageAsync(conversation, "empat");
            var viaHub = await Assert.ThrowsAsync<HubInvocationException>(() => hub.InvokeAsync<MessageDto>("SendMessage", conversation, "h-5", "lima"));

            Assert.Equal(HttpStatusCode.TooManyRequests, rest.StatusCode);
            Assert.Equal("1", rest.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Contains("Too many messages", await rest.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            Assert.StartsWith("[message.rate_limited] Too many messages: at most 1 per second per user (bursts of 3)", viaHub.Message, StringComparison.Ordinal);

            // Another user has their own bucket.
            Assert.Equal(HttpStatusCode.Created, (await nurse.PostMessageAsync(conversation, "perawat")).StatusCode);

            app.Clock.Advance(TimeSpan.FromSeconds(1));
            acknowledged.Add(await hub.InvokeAsync<MessageDto>("SendMessage", conversation, "h-5", "lima"));

            var stored = await app.StoredMessagesAsync(conversation);
            Assert.Equal(Enumerable.Range(1, 5).Select(i => (long)i), stored.Select(m => m.Seq));
            Assert.All(acknowledged, a => Assert.Contains(stored, s => s.Seq == a.Seq && s.Text == a.Text));
            Assert.DoesNotContain(stored, s => s.Text == "empat");
        }
        finally
        {
            await hub.DisposeAsync();
        }
    }

    [Fact]
    public async Task ConnectionsBeyondTheCapAreRefusedWith503()
    {
        var users = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => app.RegisterPatientAsync()));
        var open = new List<HubClient>();
        try
        {
            foreach (var user in users)
            {
                open.Add(await app.ConnectHubAsync(user));
            }

            var extra = await app.RegisterPatientAsync();
            var negotiate = await Assert.ThrowsAsync<HttpRequestException>(() => app.ConnectHubAsync(extra));
            var direct = await HubClient.UpgradeStatusAsync(app.HubUrl(), extra.AccessToken);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, negotiate.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, direct);
            // Each answers a call made after the refusals, so a close caused by them would have come first.
            foreach (var client in open)
            {
                await client.FlushAsync();
                Assert.False(client.Closed.IsCompleted);
            }
        }
        finally
        {
            foreach (var client in open)
            {
                await client.DisposeAsync();
            }
        }
    }
}
