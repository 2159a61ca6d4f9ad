using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ClinicChat.Tests.Consultations;

/// <summary>
/// The smallest client of the SignalR JSON hub protocol over a WebSocket (the .NET SignalR client is not
/// available here): handshake, then every server invocation is queued as (target, first argument).
/// </summary>
public sealed class ConsultationHubClient : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly ClientWebSocket _socket = new();
    private readonly List<HubEvent> _seen = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, TaskCompletionSource<JsonElement>> _pending = [];
    private readonly Lock _gate = new();
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _receive = Task.CompletedTask;
    private int _invocationId;

    public sealed record HubEvent(string Target, JsonElement Argument);

    public static async Task<ConsultationHubClient> ConnectAsync(Uri baseAddress, string accessToken)
    {
        var client = new ConsultationHubClient();
        var uri = new UriBuilder(baseAddress) { Scheme = "ws", Path = "/hubs/chat", Query = $"access_token={Uri.EscapeDataString(accessToken)}" }.Uri;
        await client._socket.ConnectAsync(uri, CancellationToken.None);
        await client.SendRawAsync("""{"protocol":"json","version":1}""");
        var handshake = await client.ReceiveRecordsAsync(CancellationToken.None);
        if (handshake.Count == 0 || handshake[0].Contains("\"error\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Hub handshake failed: {string.Join(' ', handshake)}");
        }

        client._receive = Task.Run(client.ReceiveLoopAsync);
        return client;
    }

    /// <summary>Waits (never sleeps) for an event with this target that matches, up to the timeout; consumes it.</summary>
    public async Task<JsonElement> WaitForAsync(string target, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            Task arrived;
            lock (_gate)
            {
                var found = _seen.FirstOrDefault(e => e.Target == target && (match?.Invoke(e.Argument) ?? true));
                if (found is not null)
                {
                    _seen.Remove(found);
                    return found.Argument;
                }

                arrived = _arrived.Task;
            }

            try
            {
                await arrived.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                lock (_gate)
                {
                    throw new TimeoutException($"No '{target}' event arrived. Unconsumed: {string.Join(", ", _seen.Select(e => e.Target))}");
                }
            }
        }
    }

    public int Count(string target)
    {
        lock (_gate)
        {
            return _seen.Count(e => e.Target == target);
        }
    }

    /// <summary>Invokes a hub method and returns its completion: the result, or throws with the hub's error text.</summary>
    public async Task<JsonElement> InvokeAsync(string method, params object?[] arguments)
    {
        var id = Interlocked.Increment(ref _invocationId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var completion = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _pending[id] = completion;
        }

        await SendRawAsync(JsonSerializer.Serialize(new { type = 1, invocationId = id, target = method, arguments }, JsonSerializerOptions.Web));
        return await completion.Task.WaitAsync(TimeSpan.FromSeconds(15));
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                foreach (var record in await ReceiveRecordsAsync(_stop.Token))
                {
                    using var json = JsonDocument.Parse(record);
                    var root = json.RootElement;
                    var type = root.GetProperty("type").GetInt32();
                    if (type == 1)
                    {
                        var target = root.GetProperty("target").GetString()!;
                        var args = root.GetProperty("arguments");
                        var hubEvent = new HubEvent(target, args.GetArrayLength() > 0 ? args[0].Clone() : default);
                        lock (_gate)
                        {
                            _seen.Add(hubEvent);
                            var arrived = _arrived;
                            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                            arrived.TrySetResult();
                        }
                    }
                    else if (type == 3)
                    {
                        TaskCompletionSource<JsonElement>? completion;
                        lock (_gate)
                        {
                            _pending.Remove(root.GetProperty("invocationId").GetString()!, out completion);
                        }

                        if (root.TryGetProperty("error", out var error))
                        {
                            completion?.TrySetException(new InvalidOperationException(error.GetString()));
                        }
                        else
                        {
                            completion?.TrySetResult(root.TryGetProperty("result", out var result) ? result.Clone() : default);
                        }
                    }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
    }

    private async Task<List<string>> ReceiveRecordsAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var text = new StringBuilder();
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return [];
            }

            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            if (result.EndOfMessage && text.Length > 0 && text[^1] == RecordSeparator)
            {
                return [.. text.ToString().Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries)];
            }
        }
    }

    private Task SendRawAsync(string json) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(json + RecordSeparator), WebSocketMessageType.Text, true, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
        }

        await _receive.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
        _stop.Dispose();
    }
}
