using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ClinicChat.Conversations;
using ClinicChat.Realtime;
using ClinicChat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using static ClinicChat.Tests.Realtime.ChatTestKit;

namespace ClinicChat.Tests.Realtime;

public sealed class SlowConsumerApp : ClinicChatApp
{
    public SlowConsumerApp()
    {
        Settings["Limits:MaxHubConnectionsPerUser"] = "1000";
        Settings["Limits:HubOutboundQueueBytes"] = "65536";
        Settings["Limits:HubSocketSendBufferBytes"] = "8192";
    }
}

public sealed class SlowConsumerTests(SlowConsumerApp app) : IClassFixture<SlowConsumerApp>
{
    private const int StalledCount = 100;

    [Fact]
    public async Task SendsAreAcknowledgedWhileSubscribersStallAndTheStalledOnesAreClosedOnceTooFarBehind()
    {
        var (patient, nurse, conversation) = await app.CarePairAsync();
        var manager = (ChatHubLifetimeManager)app.Services.GetRequiredService<HubLifetimeManager<ChatHub>>();
        var closedBefore = manager.SlowConsumersClosed;
        var stalled = await Task.WhenAll(Enumerable.Range(0, StalledCount).Select(_ => StalledSubscriber.OpenAsync(app.HubUrl(), nurse.AccessToken, conversation)));
        await using var sender = await app.ConnectHubAsync(patient);
        await using var reader = await app.ConnectHubAsync(nurse);
        await reader.InvokeAsync<JsonElement>("Subscribe", conversation);
        try
        {
            // Each event is ~5 KB; 120 of them are far more than a stalled connection's socket, pipe and outbox hold.
            var text = new string('x', MessageRules.MaxTextLength);
            var acknowledged = new List<MessageDto>();
            var slowest = TimeSpan.Zero;
            for (var i = 0; i < 120; i++)
            {
                var started = Stopwatch.GetTimestamp();
                acknowledged.Add(await sender.InvokeAsync<MessageDto>("SendMessage", conversation, $"slow-{i}", text));
                slowest = TimeSpan.FromTicks(Math.Max(slowest.Ticks, Stopwatch.GetElapsedTime(started).Ticks));
            }

            // Every acknowledgement came while the stalled subscribers were connected; none waited for them.
            Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i), acknowledged.Select(m => m.Seq));
            Assert.True(slowest < HubClient.DefaultTimeout, $"slowest acknowledgement took {slowest}");

            // A subscriber that reads gets every event, in seq order.
            for (var seq = 1; seq <= 120; seq++)
            {
                Assert.Equal(seq, (await reader.NextAsync<MessageDto>("messageCreated")).Seq);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (manager.SlowConsumersClosed - closedBefore < StalledCount)
            {
                await Task.Delay(50, timeout.Token);
            }

            Assert.Equal(StalledCount, manager.SlowConsumersClosed - closedBefore);
            Assert.False(reader.Closed.IsCompleted);
            Assert.False(sender.Closed.IsCompleted);
        }
        finally
        {
            foreach (var connection in stalled)
            {
                connection.Dispose();
            }
        }
    }
}

/// <summary>
/// A client that completes the SignalR handshake, subscribes to a conversation and then never reads again, with a
/// small receive buffer so that the server's side fills quickly (and loopback memory stays small).
/// </summary>
public sealed class StalledSubscriber : IDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly ClientWebSocket _socket;
    private readonly HttpMessageInvoker _invoker;

    private StalledSubscriber(ClientWebSocket socket, HttpMessageInvoker invoker)
    {
        _socket = socket;
        _invoker = invoker;
    }

    public static async Task<StalledSubscriber> OpenAsync(Uri hubUrl, string accessToken, Guid conversationId)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var invoker = new HttpMessageInvoker(handler);
        var socket = new ClientWebSocket();
        socket.Options.HttpVersion = System.Net.HttpVersion.Version11;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.SetRequestHeader("Authorization", $"Bearer {accessToken}");
        var url = new UriBuilder(hubUrl) { Scheme = "ws" }.Uri;
        using var timeout = new CancellationTokenSource(HubClient.DefaultTimeout);
        await socket.ConnectAsync(url, invoker, timeout.Token);
        await SendAsync(socket, """{"protocol":"json","version":1}""", timeout.Token);
        await ReadUntilAsync(socket, record => record == "{}", timeout.Token);
        await SendAsync(socket, $$"""{"type":1,"invocationId":"s","target":"Subscribe","arguments":["{{conversationId}}"]}""", timeout.Token);
        await ReadUntilAsync(socket, record => record.Contains("\"invocationId\":\"s\"", StringComparison.Ordinal), timeout.Token);
        return new StalledSubscriber(socket, invoker);
    }

    private static Task SendAsync(ClientWebSocket socket, string record, CancellationToken ct) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(record + RecordSeparator), WebSocketMessageType.Text, endOfMessage: true, ct);

    private static async Task ReadUntilAsync(ClientWebSocket socket, Func<string, bool> done, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        var pending = new StringBuilder();
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, ct);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"The hub closed the connection: {received.CloseStatusDescription}");
            }

            pending.Append(Encoding.UTF8.GetString(buffer, 0, received.Count));
            var records = pending.ToString().Split(RecordSeparator);
            if (records[..^1].Any(done))
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        _socket.Abort();
        _socket.Dispose();
        _invoker.Dispose();
    }
}
