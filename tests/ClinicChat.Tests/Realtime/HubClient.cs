using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace ClinicChat.Tests.Realtime;

/// <summary>
/// A small client of the SignalR JSON hub protocol over ClientWebSocket (the .NET SignalR client cannot be
/// restored here). Self-contained on purpose, so the load tool can reuse this one file:
/// negotiate, WebSocket connect (bearer header or access_token query), handshake, invocations with results and
/// errors, server events on per-event channels, keep-alive pings and a clean close.
/// Protocol: https://github.com/dotnet/aspnetcore/blob/main/src/SignalR/docs/specs/HubProtocol.md
/// </summary>
public sealed class HubClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private const byte RecordSeparator = 0x1e;
    private const int InvocationType = 1;
    private const int CompletionType = 3;
    private const int PingType = 6;
    private const int CloseType = 7;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Channel<JsonElement>> _events = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<string?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Task _receiveLoop = Task.CompletedTask;
    private Task _pingLoop = Task.CompletedTask;
    private long _nextInvocationId;
    private byte[] _leftover = [];

    private HubClient(ClientWebSocket socket, string? connectionId)
    {
        _socket = socket;
        ConnectionId = connectionId;
    }

    /// <summary>The connection id from negotiate (null when negotiation was skipped).</summary>
    public string? ConnectionId { get; }

    /// <summary>Completes when the server closes the connection, with the close message's error if any.</summary>
    public Task<string?> Closed => _closed.Task;

    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>
    /// Negotiates (unless skipped) and connects. <paramref name="hubUrl"/> is like http://127.0.0.1:5080/hubs/chat.
    /// With <paramref name="tokenInQuery"/> the token travels as access_token in the query string, as browsers send it.
    /// </summary>
    public static async Task<HubClient> ConnectAsync(
        Uri hubUrl,
        string accessToken,
        bool tokenInQuery = false,
        string? origin = null,
        bool skipNegotiation = false,
        TimeSpan? pingInterval = null,
        CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DefaultTimeout);
        var ct = timeout.Token;

        string? connectionId = null;
        var query = new List<string>();
        if (!skipNegotiation)
        {
            var negotiated = await NegotiateAsync(hubUrl, accessToken, tokenInQuery, origin, ct);
            connectionId = negotiated.ConnectionId;
            query.Add($"id={Uri.EscapeDataString(negotiated.ConnectionToken)}");
        }

        if (tokenInQuery)
        {
            query.Add($"access_token={Uri.EscapeDataString(accessToken)}");
        }

        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (!tokenInQuery)
        {
            socket.Options.SetRequestHeader("Authorization", $"Bearer {accessToken}");
        }

        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        var wsUrl = new UriBuilder(hubUrl)
        {
            Scheme = hubUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws",
            Query = string.Join('&', query),
        }.Uri;
        try
        {
            await socket.ConnectAsync(wsUrl, ct);
        }
        catch (WebSocketException e)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new HubConnectException(status, e.Message);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var client = new HubClient(socket, connectionId);
        try
        {
            await client.HandshakeAsync(ct);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }

        client._receiveLoop = Task.Run(client.ReceiveLoopAsync, CancellationToken.None);
        client._pingLoop = Task.Run(() => client.PingLoopAsync(pingInterval ?? TimeSpan.FromSeconds(10)), CancellationToken.None);
        return client;
    }

    public sealed record Negotiation(string ConnectionId, string ConnectionToken);

    /// <summary>POST {hub}/negotiate?negotiateVersion=1; throws <see cref="HubConnectException"/> with the status on refusal.</summary>
    public static async Task<Negotiation> NegotiateAsync(Uri hubUrl, string accessToken, bool tokenInQuery = false, string? origin = null, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { Timeout = DefaultTimeout };
        var url = $"{hubUrl.AbsoluteUri.TrimEnd('/')}/negotiate?negotiateVersion=1";
        if (tokenInQuery)
        {
            url += $"&access_token={Uri.EscapeDataString(accessToken)}";
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        if (!tokenInQuery)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        if (origin is not null)
        {
            request.Headers.TryAddWithoutValidation("Origin", origin);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HubConnectException(response.StatusCode, body);
        }

        using var json = JsonDocument.Parse(body);
        return new Negotiation(
            json.RootElement.GetProperty("connectionId").GetString()!,
            json.RootElement.GetProperty("connectionToken").GetString()!);
    }

    /// <summary>Invokes a hub method and returns its result; a server error becomes <see cref="HubInvocationException"/>.</summary>
    public async Task<T> InvokeAsync<T>(string method, params object?[] arguments)
    {
        var result = await InvokeCoreAsync(method, arguments);
        return result.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? default! : result.Deserialize<T>(Json)!;
    }

    public Task InvokeAsync(string method, params object?[] arguments) => InvokeCoreAsync(method, arguments);

    /// <summary>
    /// Waits until the server has finished OnConnectedAsync (presence, group joins, the support queue drain). The
    /// server starts dispatching invocations only after it, so the completion of any invocation is that barrier;
    /// a method no hub has answers at once with an error, which is all this needs.
    /// </summary>
    public async Task WaitUntilServerReadyAsync()
    {
        try
        {
            await InvokeCoreAsync("__ready", []);
        }
        catch (HubInvocationException)
        {
        }
    }

    /// <summary>Fire-and-forget invocation (no invocationId): the server sends no completion.</summary>
    public Task SendAsync(string method, params object?[] arguments) =>
        WriteAsync(new { type = InvocationType, target = method, arguments }, CancellationToken.None);

    /// <summary>The next event of this name (camelCase wire name, e.g. "messageCreated"), waiting at most the timeout.</summary>
    public async Task<T> NextAsync<T>(string eventName, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        try
        {
            var payload = await Events(eventName).ReadAsync(cts.Token);
            return payload.Deserialize<T>(Json)!;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"No '{eventName}' event within {(timeout ?? Timeout).TotalSeconds:0.#} s.");
        }
    }

    /// <summary>Reads events of this name until one matches, dropping the others.</summary>
    public async Task<T> NextMatchingAsync<T>(string eventName, Func<T, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var next = await NextAsync<T>(eventName, left > TimeSpan.Zero ? left : TimeSpan.Zero);
            if (match(next))
            {
                return next;
            }
        }
    }

    /// <summary>Takes an already received event without waiting.</summary>
    public bool TryTake<T>(string eventName, out T value)
    {
        if (Events(eventName).TryRead(out var payload))
        {
            value = payload.Deserialize<T>(Json)!;
            return true;
        }

        value = default!;
        return false;
    }

    /// <summary>How many events of this name arrived and were not read yet.</summary>
    public int Pending(string eventName) => Events(eventName).Count;

    public ChannelReader<JsonElement> Events(string eventName) =>
        _events.GetOrAdd(eventName, static _ => Channel.CreateUnbounded<JsonElement>(new UnboundedChannelOptions { SingleReader = false })).Reader;

    /// <summary>Sends a close frame and waits for the server to finish.</summary>
    public async Task CloseAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var cts = new CancellationTokenSource(Timeout);
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
                await _closed.Task.WaitAsync(cts.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or TimeoutException)
            {
            }
        }

        await StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        _socket.Dispose();
        _stop.Dispose();
        _sendLock.Dispose();
    }

    private async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        try
        {
            await Task.WhenAll(_receiveLoop, _pingLoop);
        }
        catch (OperationCanceledException)
        {
        }

        Fail(new HubInvocationException("The connection closed."));
    }

    private async Task<JsonElement> InvokeCoreAsync(string method, object?[] arguments)
    {
        var id = Interlocked.Increment(ref _nextInvocationId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var completion = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = completion;
        try
        {
            await WriteAsync(new { type = InvocationType, invocationId = id, target = method, arguments }, CancellationToken.None);
            return await completion.Task.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No completion for {method} within {Timeout.TotalSeconds:0.#} s.");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        await WriteAsync(new { protocol = "json", version = 1 }, cancellationToken);
        var buffer = new ArrayBufferWriter<byte>();
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var read = await _socket.ReceiveAsync(memory, cancellationToken);
            if (read.MessageType == WebSocketMessageType.Close)
            {
                throw new HubConnectException(HttpStatusCode.BadGateway, "The server closed the connection during the handshake.");
            }

            buffer.Advance(read.Count);
            var index = buffer.WrittenSpan.IndexOf(RecordSeparator);
            if (index < 0)
            {
                continue;
            }

            using var json = JsonDocument.Parse(buffer.WrittenMemory[..index]);
            if (json.RootElement.TryGetProperty("error", out var error))
            {
                throw new HubConnectException(HttpStatusCode.BadRequest, error.GetString() ?? "Handshake refused.");
            }

            // Anything after the handshake response in the same read is the first messages: keep them.
            _leftover = buffer.WrittenSpan[(index + 1)..].ToArray();
            return;
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>();
        buffer.Write(_leftover);
        string? closeError = null;
        try
        {
            Dispatch(buffer, ref closeError);
            while (!_stop.IsCancellationRequested)
            {
                var memory = buffer.GetMemory(8192);
                var read = await _socket.ReceiveAsync(memory, _stop.Token);
                if (read.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                buffer.Advance(read.Count);
                if (Dispatch(buffer, ref closeError))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            closeError ??= e is WebSocketException ? e.Message : null;
        }
        finally
        {
            _closed.TrySetResult(closeError);
            Fail(new HubInvocationException(closeError ?? "The connection closed."));
            foreach (var channel in _events.Values)
            {
                channel.Writer.TryComplete();
            }
        }
    }

    /// <summary>Handles every complete record in the buffer, keeps a partial one; true when the server sent Close.</summary>
    private bool Dispatch(ArrayBufferWriter<byte> buffer, ref string? closeError)
    {
        var data = buffer.WrittenMemory;
        var closed = false;
        int index;
        while ((index = data.Span.IndexOf(RecordSeparator)) >= 0)
        {
            using (var json = JsonDocument.Parse(data[..index]))
            {
                closed |= Handle(json.RootElement, ref closeError);
            }

            data = data[(index + 1)..];
        }

        var rest = data.ToArray();
        buffer.Clear();
        buffer.Write(rest);
        return closed;
    }

    private bool Handle(JsonElement message, ref string? closeError)
    {
        switch (message.GetProperty("type").GetInt32())
        {
            case InvocationType:
                var target = message.GetProperty("target").GetString()!;
                var arguments = message.GetProperty("arguments");
                var payload = arguments.GetArrayLength() > 0 ? arguments[0].Clone() : default;
                _events.GetOrAdd(target, static _ => Channel.CreateUnbounded<JsonElement>()).Writer.TryWrite(payload);
                return false;
            case CompletionType:
                var id = message.GetProperty("invocationId").GetString()!;
                if (_pending.TryRemove(id, out var completion))
                {
                    if (message.TryGetProperty("error", out var error))
                    {
                        completion.TrySetException(new HubInvocationException(error.GetString() ?? "Hub method failed."));
                    }
                    else
                    {
                        completion.TrySetResult(message.TryGetProperty("result", out var result) ? result.Clone() : default);
                    }
                }

                return false;
            case CloseType:
                closeError = message.TryGetProperty("error", out var reason) ? reason.GetString() : null;
                return true;
            default:
                return false; // pings and messages this client does not use
        }
    }

    private async Task PingLoopAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await WriteAsync(new { type = PingType }, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }

    private async Task WriteAsync(object message, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(message, Json);
        var framed = new byte[bytes.Length + 1];
        bytes.CopyTo(framed, 0);
        framed[^1] = RecordSeparator;
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(framed, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private void Fail(Exception exception)
    {
        foreach (var (id, completion) in _pending)
        {
            if (_pending.TryRemove(id, out _))
            {
                completion.TrySetException(exception);
            }
        }
    }
}

/// <summary>
/// The hub method answered with an error. SignalR prefixes a HubException's message with
/// "An unexpected error occurred invoking 'X' on the server. HubException: "; Message is the server's own text.
/// </summary>
public sealed class HubInvocationException(string error) : Exception(ServerText(error))
{
    private const string Marker = "HubException: ";

    /// <summary>The error exactly as it came over the wire.</summary>
    public string RawError { get; } = error;

    private static string ServerText(string error)
    {
        var index = error.IndexOf(Marker, StringComparison.Ordinal);
        return index < 0 ? error : error[(index + Marker.Length)..];
    }
}

/// <summary>Negotiate or connect was refused, e.g. 401, 403 (Origin) or 503 (connection cap).</summary>
public sealed class HubConnectException(HttpStatusCode statusCode, string body) : Exception($"{(int)statusCode} {statusCode}: {body}")
{
    public HttpStatusCode StatusCode { get; } = statusCode;
}
