using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Support;

/// <summary>
/// A minimal SignalR JSON-protocol client over a raw WebSocket, enough to hold a user online and read the
/// server's events. Every wait has a timeout so a missing event fails the test instead of hanging it.
/// </summary>
public sealed class RawHubConnection : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private const char RecordSeparator = '\u001e';

    private readonly ClientWebSocket _socket;
    private readonly Channel<JsonElement> _incoming = Channel.CreateUnbounded<JsonElement>();
    private readonly List<JsonElement> _unclaimed = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;
    private int _nextInvocationId;

    private RawHubConnection(ClientWebSocket socket)
    {
        _socket = socket;
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>
    /// Connects and waits until the server has finished OnConnectedAsync (presence, queue drain): the
    /// server dispatches invocations only after it, so the answer to a probe invocation is the barrier.
    /// </summary>
    public static async Task<RawHubConnection> ConnectAsync(ClinicChatApp app, TestUser user)
    {
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        using var http = app.CreateAnonymousClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
        var negotiate = await http.PostAsync("/hubs/chat/negotiate?negotiateVersion=1", null, timeout.Token);
        await negotiate.EnsureSuccessAsync();
        using var negotiated = JsonDocument.Parse(await negotiate.Content.ReadAsStringAsync(timeout.Token));
        var connectionToken = negotiated.RootElement.GetProperty("connectionToken").GetString()!;

        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", $"Bearer {user.AccessToken}");
        var uri = new UriBuilder(app.BaseAddress) { Scheme = "ws", Path = "/hubs/chat", Query = $"id={Uri.EscapeDataString(connectionToken)}" }.Uri;
        await socket.ConnectAsync(uri, timeout.Token);
        await SendRawAsync(socket, """{"protocol":"json","version":1}""", timeout.Token);

        var connection = new RawHubConnection(socket);
        var handshake = await connection.NextAsync(timeout.Token);
        if (handshake.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"Hub handshake failed: {error.GetString()}");
        }

        await connection.ProbeAsync(timeout.Token);
        return connection;
    }

    /// <summary>Waits for the next event <paramref name="target"/> whose first argument matches.</summary>
    public async Task<JsonElement> WaitForAsync(string target, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        bool Matches(JsonElement record) =>
            record.GetProperty("type").GetInt32() == 1
            && record.GetProperty("target").GetString() == target
            && (match is null || match(record.GetProperty("arguments")[0]));

        var buffered = _unclaimed.FindIndex(r => Matches(r));
        if (buffered >= 0)
        {
            var found = _unclaimed[buffered];
            _unclaimed.RemoveAt(buffered);
            return found.GetProperty("arguments")[0];
        }

        try
        {
            while (true)
            {
                var record = await NextAsync(cts.Token);
                if (Matches(record))
                {
                    return record.GetProperty("arguments")[0];
                }

                _unclaimed.Add(record);
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"No '{target}' event matched within {timeout ?? DefaultTimeout}.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(DefaultTimeout);
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The server may already have closed it.
        }

        await _stop.CancelAsync();
        try
        {
            await _reader;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }

        _socket.Dispose();
        _stop.Dispose();
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextInvocationId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await SendRawAsync(_socket, $$"""{"type":1,"invocationId":"{{id}}","target":"__probe","arguments":[]}""", cancellationToken);
        while (true)
        {
            var record = await NextAsync(cancellationToken);
            if (record.GetProperty("type").GetInt32() == 3 && record.GetProperty("invocationId").GetString() == id)
            {
                return;
            }

            _unclaimed.Add(record);
        }
    }

    private async Task<JsonElement> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var record = await _incoming.Reader.ReadAsync(cancellationToken);
            // Pings (6) only keep the connection alive.
            if (!record.TryGetProperty("type", out var type) || type.GetInt32() != 6)
            {
                return record;
            }
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[16 * 1024];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        var decoder = Encoding.UTF8.GetDecoder();
        var pending = new StringBuilder();
        try
        {
            while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                var decoded = decoder.GetChars(buffer, 0, result.Count, chars, 0);
                pending.Append(chars, 0, decoded);
                var text = pending.ToString();
                var end = text.LastIndexOf(RecordSeparator);
                if (end < 0)
                {
                    continue;
                }

                foreach (var json in text[..end].Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries))
                {
                    using var document = JsonDocument.Parse(json);
                    await _incoming.Writer.WriteAsync(document.RootElement.Clone(), _stop.Token);
                }

                pending.Clear().Append(text[(end + 1)..]);
            }
        }
        finally
        {
            _incoming.Writer.TryComplete();
        }
    }

    private static Task SendRawAsync(ClientWebSocket socket, string json, CancellationToken cancellationToken) =>
        socket.SendAsync(new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(json + RecordSeparator)), WebSocketMessageType.Text, endOfMessage: true, cancellationToken).AsTask();
}
