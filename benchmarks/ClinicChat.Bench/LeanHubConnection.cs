using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ClinicChat.Bench;

/// <summary>What a connection hands to its owner: completions of numbered invocations and server events.</summary>
internal interface IHubFrameHandler
{
    /// <summary>A completion whose invocation id is a number (the load tool's message index).</summary>
    void OnCompletion(LeanHubConnection connection, long invocationId, ReadOnlySpan<byte> result, string? error);

    /// <summary>A server-to-client invocation (an event) with its raw arguments array.</summary>
    void OnEvent(LeanHubConnection connection, ReadOnlySpan<byte> target, ReadOnlySpan<byte> arguments);
}

/// <summary>Raised when the WebSocket upgrade is refused; carries the HTTP status (503 at the connection cap).</summary>
internal sealed class HubRefusedException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>
/// A deliberately small SignalR JSON-protocol client for load: one receive loop per connection, frames parsed in
/// place with Utf8JsonReader, a reused write buffer under a per-connection send lock, no negotiate round trip and no
/// per-connection timers (keep-alive pings come from one process-wide loop, see <see cref="Pinger"/>).
/// Protocol: https://github.com/dotnet/aspnetcore/blob/main/src/SignalR/docs/specs/HubProtocol.md
/// </summary>
internal sealed class LeanHubConnection : IAsyncDisposable
{
    private const byte RecordSeparator = 0x1e;
    private const int MaxFrameBytes = 1024 * 1024;
    private static readonly byte[] HandshakeRequest = Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e");
    private static readonly byte[] PingFrame = Encoding.UTF8.GetBytes("{\"type\":6}\u001e");

    private readonly ClientWebSocket _socket;
    private readonly IHubFrameHandler _handler;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _out = new(256);
    private readonly Utf8JsonWriter _writer;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<(byte[] Result, string? Error)>> _control = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<string?> _handshake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Task _receiveLoop = Task.CompletedTask;
    private long _nextControlId;
    private long _lastHeardTicks = Environment.TickCount64;

    private LeanHubConnection(ClientWebSocket socket, IHubFrameHandler handler)
    {
        _socket = socket;
        _handler = handler;
        _writer = new Utf8JsonWriter(_out, new JsonWriterOptions { SkipValidation = true });
    }

    /// <summary>Free for the owner: e.g. the conversation this connection reads.</summary>
    public int Tag { get; init; }

    public string? CloseReason { get; private set; }

    public bool IsOpen => _socket.State == WebSocketState.Open;

    /// <summary>True once this client gave up on a silent server (see <see cref="AbortIfSilent"/>).</summary>
    public bool TimedOut { get; private set; }

    /// <summary>
    /// What the official SignalR clients do with their server timeout (30 s by default): a connection that has heard
    /// nothing, pings included, for that long is considered dead and closed. Without it the tool would hold
    /// connections that every real client would already have dropped.
    /// </summary>
    public bool AbortIfSilent(TimeSpan serverTimeout)
    {
        if (!IsOpen || Environment.TickCount64 - Volatile.Read(ref _lastHeardTicks) <= (long)serverTimeout.TotalMilliseconds)
        {
            return false;
        }

        TimedOut = true;
        CloseReason ??= $"nothing heard from the server for {serverTimeout.TotalSeconds:0} s";
        _socket.Abort();
        return true;
    }

    /// <summary>Connects to ws://host/hubs/chat with the bearer header (as the official non-browser clients do) and completes the handshake.</summary>
    public static async Task<LeanHubConnection> ConnectAsync(Uri hubUrl, string accessToken, HttpMessageInvoker invoker, IHubFrameHandler handler, int tag, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        // SignalR pings at its own level; WebSocket-level pings would only double the idle traffic.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.SetRequestHeader("Authorization", $"Bearer {accessToken}");
        var wsUrl = new UriBuilder(hubUrl) { Scheme = hubUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws" }.Uri;
        try
        {
            await socket.ConnectAsync(wsUrl, invoker, cancellationToken);
        }
        catch (WebSocketException e)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new HubRefusedException(status, e.InnerException is { } inner ? $"{e.Message}: {inner.Message}" : e.Message);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new LeanHubConnection(socket, handler) { Tag = tag };
        try
        {
            await socket.SendAsync(HandshakeRequest, WebSocketMessageType.Text, true, cancellationToken);
            connection._receiveLoop = Task.Run(connection.ReceiveLoopAsync, CancellationToken.None);
            var error = await connection._handshake.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            if (error is not null)
            {
                throw new InvalidOperationException($"Handshake refused: {error}");
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        return connection;
    }

    /// <summary>SendMessage(conversationId, clientMessageId, text) with a numeric invocation id; the completion goes to the handler.</summary>
    public async Task SendMessageAsync(long invocationId, Guid conversationId, string clientMessageId, string text, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            _out.ResetWrittenCount();
            _writer.Reset(_out);
            _writer.WriteStartObject();
            _writer.WriteNumber("type"u8, 1);
            Span<byte> id = stackalloc byte[20];
            invocationId.TryFormat(id, out var written, provider: CultureInfo.InvariantCulture);
            _writer.WriteString("invocationId"u8, id[..written]);
            _writer.WriteString("target"u8, "SendMessage"u8);
            _writer.WriteStartArray("arguments"u8);
            _writer.WriteStringValue(conversationId);
            _writer.WriteStringValue(clientMessageId);
            _writer.WriteStringValue(text);
            _writer.WriteEndArray();
            _writer.WriteEndObject();
            _writer.Flush();
            _out.Write([RecordSeparator]);
            await _socket.SendAsync(_out.WrittenMemory, WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>An invocation with a result (Subscribe...): arguments are written by the caller.</summary>
    public async Task<byte[]> InvokeAsync(string target, Action<Utf8JsonWriter> writeArguments, CancellationToken cancellationToken)
    {
        var id = $"c{Interlocked.Increment(ref _nextControlId)}";
        var completion = new TaskCompletionSource<(byte[] Result, string? Error)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _control[id] = completion;
        try
        {
            await WriteInvocationAsync(id, target, writeArguments, cancellationToken);
            var (result, error) = await completion.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            return error is null ? result : throw new InvalidOperationException($"{target} failed: {error}");
        }
        finally
        {
            _control.TryRemove(id, out _);
        }
    }

    /// <summary>Fire-and-forget invocation (no invocation id, so no completion comes back).</summary>
    public Task SendAsync(string target, Action<Utf8JsonWriter> writeArguments, CancellationToken cancellationToken) =>
        WriteInvocationAsync(null, target, writeArguments, cancellationToken);

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        if (!IsOpen || !await _sendLock.WaitAsync(0, cancellationToken))
        {
            // A send in progress already proves the connection alive to the server.
            return;
        }

        try
        {
            await _socket.SendAsync(PingFrame, WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                await _receiveLoop.WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or TimeoutException or ObjectDisposedException)
            {
                // Closing is best effort: the server may already be gone.
            }
        }

        await _stop.CancelAsync();
        _socket.Abort();
        _socket.Dispose();
        try
        {
            await _receiveLoop;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
        _sendLock.Dispose();
        await _writer.DisposeAsync();
    }

    private async Task WriteInvocationAsync(string? id, string target, Action<Utf8JsonWriter> writeArguments, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            _out.ResetWrittenCount();
            _writer.Reset(_out);
            _writer.WriteStartObject();
            _writer.WriteNumber("type"u8, 1);
            if (id is not null)
            {
                _writer.WriteString("invocationId"u8, id);
            }

            _writer.WriteString("target"u8, target);
            _writer.WriteStartArray("arguments"u8);
            writeArguments(_writer);
            _writer.WriteEndArray();
            _writer.WriteEndObject();
            _writer.Flush();
            _out.Write([RecordSeparator]);
            await _socket.SendAsync(_out.WrittenMemory, WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[4096];
        var filled = 0;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                if (filled == buffer.Length)
                {
                    if (buffer.Length >= MaxFrameBytes)
                    {
                        throw new InvalidDataException("A hub frame exceeded 1 MB.");
                    }

                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var received = await _socket.ReceiveAsync(buffer.AsMemory(filled), _stop.Token);
                Volatile.Write(ref _lastHeardTicks, Environment.TickCount64);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                filled += received.Count;
                var start = 0;
                int end;
                while ((end = buffer.AsSpan(start, filled - start).IndexOf(RecordSeparator)) >= 0)
                {
                    HandleFrame(buffer.AsSpan(start, end));
                    start += end + 1;
                }

                if (start > 0)
                {
                    buffer.AsSpan(start, filled - start).CopyTo(buffer);
                    filled -= start;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            CloseReason ??= e.Message;
        }
        finally
        {
            _handshake.TrySetResult(CloseReason ?? "closed before the handshake");
            foreach (var pending in _control.Values)
            {
                pending.TrySetResult(([], "connection closed"));
            }
        }
    }

    private void HandleFrame(ReadOnlySpan<byte> frame)
    {
        if (!_handshake.Task.IsCompleted)
        {
            // The handshake answer is {} or {"error":"..."}.
            var handshake = new Utf8JsonReader(frame);
            string? refusal = null;
            while (handshake.Read())
            {
                if (handshake.TokenType == JsonTokenType.PropertyName && handshake.ValueTextEquals("error"u8) && handshake.Read())
                {
                    refusal = handshake.GetString();
                }
            }

            _handshake.TrySetResult(refusal);
            return;
        }

        var reader = new Utf8JsonReader(frame);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return;
        }

        int type = 0;
        ReadOnlySpan<byte> invocationId = default, target = default, payload = default;
        string? error = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("invocationId"u8))
            {
                reader.Read();
                invocationId = reader.ValueSpan;
            }
            else if (reader.ValueTextEquals("target"u8))
            {
                reader.Read();
                target = reader.ValueSpan;
            }
            else if (reader.ValueTextEquals("result"u8) || reader.ValueTextEquals("arguments"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                payload = frame[start..(int)reader.BytesConsumed];
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                error = reader.GetString();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        switch (type)
        {
            case 1:
                _handler.OnEvent(this, target, payload);
                break;
            case 3 when invocationId.Length > 0 && invocationId[0] == (byte)'c':
                if (_control.TryRemove(Encoding.UTF8.GetString(invocationId), out var pending))
                {
                    pending.TrySetResult((payload.ToArray(), error));
                }

                break;
            case 3:
                if (System.Buffers.Text.Utf8Parser.TryParse(invocationId, out long id, out _))
                {
                    _handler.OnCompletion(this, id, payload, error);
                }

                break;
            case 7:
                CloseReason = error ?? "closed by the server";
                break;
        }
    }
}

/// <summary>
/// One loop per process sends SignalR pings to every connection, so the server's client timeout never fires. Given a
/// server timeout it also plays the client's side of the contract: a connection silent for longer is aborted, as the
/// official clients do.
/// </summary>
internal sealed class Pinger : IAsyncDisposable
{
    private readonly Func<IReadOnlyList<LeanHubConnection>> _connections;
    private readonly TimeSpan? _serverTimeout;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public Pinger(Func<IReadOnlyList<LeanHubConnection>> connections, TimeSpan interval, TimeSpan? serverTimeout = null)
    {
        _connections = connections;
        _serverTimeout = serverTimeout;
        _loop = Task.Run(() => LoopAsync(interval));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync(TimeSpan interval)
    {
        // Silence is checked more often than pings go out, so a dead connection is noticed close to the timeout.
        var tick = _serverTimeout is null ? interval : TimeSpan.FromTicks(Math.Min(interval.Ticks, TimeSpan.FromSeconds(5).Ticks));
        using var timer = new PeriodicTimer(tick);
        var sincePing = TimeSpan.Zero;
        while (await timer.WaitForNextTickAsync(_stop.Token))
        {
            sincePing += tick;
            var ping = sincePing >= interval;
            if (ping)
            {
                sincePing = TimeSpan.Zero;
            }

            foreach (var connection in _connections())
            {
                if (_serverTimeout is { } timeout && connection.AbortIfSilent(timeout))
                {
                    continue;
                }

                if (!ping)
                {
                    continue;
                }

                try
                {
                    await connection.PingAsync(_stop.Token);
                }
                catch (Exception e) when (e is WebSocketException or ObjectDisposedException or InvalidOperationException)
                {
                    // A closed connection is reported by its owner; pinging it is moot.
                }
            }
        }
    }
}
