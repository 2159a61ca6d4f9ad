using System.Buffers;
using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.WebSockets;
using System.Reflection;
using System.Text.Json;
using System.Threading.Channels;
using ClinicChat.Realtime;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClinicChat.Tests.Realtime;

/// <summary>
/// A hub connection through the official SignalR client (WebSockets, the default JSON protocol) that keeps every
/// server event (each <see cref="IChatClient"/> method) in a queue per event name, so a test can await "the next
/// messageCreated" and, after <see cref="FlushAsync"/>, check that some event did not come. Every wait is bounded.
/// </summary>
public sealed class HubClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The server's events by wire name: the <see cref="IChatClient"/> methods, each with one argument.</summary>
    public static readonly FrozenSet<string> EventNames = typeof(IChatClient).GetMethods()
        .Select(m => m.GetCustomAttribute<HubMethodNameAttribute>()?.Name ?? m.Name)
        .ToFrozenSet(StringComparer.Ordinal);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HubConnection _connection;
    private readonly EventQueues _events;
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HubClient(HubConnection connection, EventQueues events)
    {
        _connection = connection;
        _events = events;
        foreach (var name in EventNames)
        {
            // Only so that the client binds the argument (as a JsonElement): RecordingProtocol already queued it.
            _connection.On(name, [typeof(JsonElement)], static (_, _) => Task.CompletedTask, this);
        }

        _connection.Closed += error =>
        {
            _closed.TrySetResult(error);
            _events.Complete();
            return Task.CompletedTask;
        };
    }

    /// <summary>Completes when the connection closes (the server closed it, or the socket broke), with the error if any.</summary>
    public Task<Exception?> Closed => _closed.Task;

    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    /// <summary>
    /// Negotiates (unless <paramref name="skipNegotiation"/>) and opens the WebSocket, like the web client. With
    /// <paramref name="tokenInQuery"/> the token travels as access_token in the query string, as browsers send it;
    /// otherwise as a bearer header. A refused negotiate throws <see cref="HttpRequestException"/> with its status.
    /// </summary>
    public static async Task<HubClient> ConnectAsync(
        Uri hubUrl,
        string accessToken,
        bool tokenInQuery = false,
        string? origin = null,
        bool skipNegotiation = false,
        CancellationToken cancellationToken = default)
    {
        var events = new EventQueues();
        var url = tokenInQuery ? new UriBuilder(hubUrl) { Query = $"access_token={Uri.EscapeDataString(accessToken)}" }.Uri : hubUrl;
        var builder = new HubConnectionBuilder().WithUrl(url, options =>
        {
            options.Transports = HttpTransportType.WebSockets;
            options.SkipNegotiation = skipNegotiation;
            if (!tokenInQuery)
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(accessToken);
            }

            if (origin is not null)
            {
                options.Headers["Origin"] = origin;
            }
        });
        builder.Services.RemoveAll<IHubProtocol>();
        builder.Services.AddSingleton<IHubProtocol>(new RecordingProtocol(new JsonHubProtocol(), events));
        var client = new HubClient(builder.Build(), events);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DefaultTimeout);
        try
        {
            await client._connection.StartAsync(timeout.Token);
        }
        catch
        {
            await client._connection.DisposeAsync();
            throw;
        }

        return client;
    }

    /// <summary>
    /// Opens a bare WebSocket to the hub without negotiating and returns the status of the upgrade response (101
    /// when accepted). The official client reports a refused upgrade as a WebSocketException without the status,
    /// and the tests that use this are about that status: who the WebSocket request alone lets in.
    /// </summary>
    public static async Task<HttpStatusCode> UpgradeStatusAsync(Uri hubUrl, string accessToken, bool tokenInQuery = false, string? origin = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (!tokenInQuery)
        {
            socket.Options.SetRequestHeader("Authorization", $"Bearer {accessToken}");
        }

        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        var url = new UriBuilder(hubUrl)
        {
            Scheme = hubUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws",
            Query = tokenInQuery ? $"access_token={Uri.EscapeDataString(accessToken)}" : "",
        }.Uri;
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        try
        {
            await socket.ConnectAsync(url, timeout.Token);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }
        catch (WebSocketException)
        {
        }

        return socket.HttpStatusCode;
    }

    /// <summary>Invokes a hub method and returns its result; a server error becomes <see cref="HubInvocationException"/>.</summary>
    public async Task<T> InvokeAsync<T>(string method, params object?[] arguments) =>
        (T)(await InvokeCoreAsync(method, typeof(T), arguments))!;

    public Task InvokeAsync(string method, params object?[] arguments) => InvokeCoreAsync(method, typeof(object), arguments);

    /// <summary>
    /// A barrier: once this returns, every event the server had written to this connection before it handled this
    /// call is in the queues. The server answers a connection's calls in order behind what it already sent, and the
    /// events are queued as they are read off the socket (<see cref="RecordingProtocol"/>), before the answer is.
    /// The call is to a method the hub does not have, which the server answers at once with an error. It also waits
    /// until the server has finished OnConnectedAsync, as the server handles no call before that.
    /// </summary>
    public async Task FlushAsync()
    {
        try
        {
            await InvokeCoreAsync("__flush", typeof(object), []);
        }
        catch (HubInvocationException)
        {
        }
    }

    /// <summary>The next event of this name (wire name, e.g. "messageCreated"), waiting at most the timeout.</summary>
    public async Task<T> NextAsync<T>(string eventName, TimeSpan? timeout = null)
    {
        var wait = timeout ?? Timeout;
        using var cts = new CancellationTokenSource(wait);
        try
        {
            var payload = await _events.Reader(eventName).ReadAsync(cts.Token);
            return payload is T same ? same : payload.Deserialize<T>(Json)!;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException($"No '{eventName}' event within {wait.TotalSeconds:0.#} s.");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"The connection closed before a '{eventName}' event came.", await Closed);
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

    /// <summary>
    /// How many events of this name arrived and were not read yet. Zero means "none came" only after a barrier
    /// (<see cref="FlushAsync"/>, or an awaited event that the server sends after the one that must not come).
    /// </summary>
    public int Pending(string eventName) => _events.Reader(eventName).Count;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _connection.DisposeAsync().AsTask().WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
        }
    }

    private async Task<object?> InvokeCoreAsync(string method, Type resultType, object?[] arguments)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            return await _connection.InvokeCoreAsync(method, resultType, arguments, timeout.Token);
        }
        catch (HubException e)
        {
            throw new HubInvocationException(e);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"No answer to {method} within {Timeout.TotalSeconds:0.#} s.");
        }
    }

    /// <summary>One unbounded queue per server event.</summary>
    private sealed class EventQueues
    {
        private readonly FrozenDictionary<string, Channel<JsonElement>> _queues =
            EventNames.ToFrozenDictionary(name => name, _ => Channel.CreateUnbounded<JsonElement>(), StringComparer.Ordinal);

        public void Add(string eventName, JsonElement payload) => _queues[eventName].Writer.TryWrite(payload);

        public ChannelReader<JsonElement> Reader(string eventName) =>
            _queues.TryGetValue(eventName, out var queue)
                ? queue.Reader
                : throw new ArgumentException($"The server sends no '{eventName}' event (IChatClient has: {string.Join(", ", EventNames)}).", nameof(eventName));

        public void Complete()
        {
            foreach (var queue in _queues.Values)
            {
                queue.Writer.TryComplete();
            }
        }
    }

    /// <summary>
    /// The official JSON protocol, plus queueing each server event as it is parsed. The client parses a connection's
    /// messages in order on its receive loop but hands events to handlers on a separate loop, so an answer to a later
    /// call can be seen before a handler ran for an earlier event; queueing here keeps events and answers in the order
    /// they arrived, which is what makes <see cref="FlushAsync"/> a barrier.
    /// </summary>
    private sealed class RecordingProtocol(IHubProtocol inner, EventQueues events) : IHubProtocol
    {
        public string Name => inner.Name;

        public int Version => inner.Version;

        public TransferFormat TransferFormat => inner.TransferFormat;

        public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
        {
            if (!inner.TryParseMessage(ref input, binder, out message))
            {
                return false;
            }

            if (message is InvocationMessage { Arguments: [JsonElement payload] } invocation && EventNames.Contains(invocation.Target))
            {
                events.Add(invocation.Target, payload);
            }

            return true;
        }

        public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(message, output);

        public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(message);

        public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);
    }
}

/// <summary>
/// The hub method answered with an error. SignalR prefixes a HubException's message with
/// "An unexpected error occurred invoking 'X' on the server. HubException: "; Message is the server's own text.
/// </summary>
public sealed class HubInvocationException(HubException error) : Exception(ServerText(error.Message), error)
{
    private const string Marker = "HubException: ";

    private static string ServerText(string error)
    {
        var index = error.IndexOf(Marker, StringComparison.Ordinal);
        return index < 0 ? error : error[(index + Marker.Length)..];
    }
}
