using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClinicChat.Bench;

public sealed record LoadOptions
{
    public required Uri BaseUrl { get; init; }

    public required string AdminEmail { get; init; }

    public required string AdminPassword { get; init; }

    /// <summary>Two connections each: the nurse's (sends) and the patient's (receives).</summary>
    public int Conversations { get; init; } = 500;

    /// <summary>Fixed steps, each reported whatever its outcome (messages per second, aggregate).</summary>
    public IReadOnlyList<int> Rates { get; init; } = [500, 2000];

    /// <summary>Then rising rates until one fails the bar (p99 send-to-deliver, nothing lost or refused, rate held).</summary>
    public IReadOnlyList<int> StepUpRates { get; init; } = [];

    public TimeSpan StepDuration { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The warm-up's rate. The server's JIT keeps recompiling hot code (tiered, with profile-guided optimisation) for
    /// about half a minute of load; until it settles, each message costs it about half as much CPU again (measured at 2,000 msg/s).
    /// </summary>
    public int WarmupRate { get; init; } = 200;

    public double MaxP99Milliseconds { get; init; } = 100;

    /// <summary>How often a receiving client marks what it has read, as an open chat window does; zero: never.</summary>
    public TimeSpan MarkReadInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Length of each message's text (the timestamp header is padded up to it).</summary>
    public int TextLength { get; init; } = 64;

    public int SourceAddresses { get; init; } = 4;

    public int ServerPid { get; init; }

    public int PostgresPid { get; init; }

    public int ProvisionParallelism { get; init; } = 16;

    /// <summary>When set, each step writes its per-message timings to this path plus ".{step number}", to find when slow messages happen.</summary>
    public string? TracePath { get; init; }
}

public sealed record Percentiles(double P50, double P90, double P99, double Max)
{
    public static Percentiles From(List<long> ticks)
    {
        if (ticks.Count == 0)
        {
            return new Percentiles(0, 0, 0, 0);
        }

        ticks.Sort();
        double Ms(long t) => Math.Round(t * 1000.0 / Stopwatch.Frequency, 2);
        long At(double q) => ticks[Math.Min(ticks.Count - 1, (int)Math.Ceiling(q * ticks.Count) - 1)];
        return new Percentiles(Ms(At(0.50)), Ms(At(0.90)), Ms(At(0.99)), Ms(ticks[^1]));
    }
}

public sealed record StepResult
{
    public string Kind { get; init; } = "load";

    public required string Name { get; init; }

    public int TargetRate { get; init; }

    public double DurationSeconds { get; init; }

    public int Connections { get; init; }

    public long Sent { get; init; }

    public long Acknowledged { get; init; }

    public long Refused { get; init; }

    /// <summary>Sent but neither acknowledged nor refused by the end of the drain.</summary>
    public long Unacknowledged { get; init; }

    public long Delivered { get; init; }

    /// <summary>Acknowledged but never delivered to the other side.</summary>
    public long Lost { get; init; }

    public long Duplicated { get; init; }

    public long OutOfOrder { get; init; }

    /// <summary>Messages sent per second over the send window.</summary>
    public double SendRate { get; init; }

    /// <summary>Messages delivered per second, from the first send to the last delivery.</summary>
    public double DeliveredRate { get; init; }

    public required Percentiles AckMs { get; init; }

    public required Percentiles DeliverMs { get; init; }

    public long ServerRssBytes { get; init; }

    public double ServerCpuSeconds { get; init; }

    public double DatabaseCpuSeconds { get; init; }

    public double ToolCpuSeconds { get; init; }

    public double ElapsedSeconds { get; init; }

    public bool Passed { get; init; }

    public string? FirstError { get; init; }

    /// <summary>For tests: the ids the server acknowledged, to look up in the database.</summary>
    [JsonIgnore]
    public IReadOnlyList<Guid> AcknowledgedIds { get; init; } = [];
}

public sealed record LoadReport
{
    public int ConnectionsAttempted { get; init; }

    public int ConnectionsEstablished { get; init; }

    public long ServerRssBeforeConnectBytes { get; init; }

    public long ServerRssAfterConnectBytes { get; init; }

    public double ProvisionSeconds { get; init; }

    public double ConnectSeconds { get; init; }

    /// <summary>How often each receiving connection marked read (0: receivers only recorded arrival).</summary>
    public int MarkReadIntervalMs { get; init; }

    public IReadOnlyList<StepResult> Steps { get; init; } = [];

    /// <summary>The highest step-up rate that passed, or zero.</summary>
    public int HighestPassingRate { get; init; }
}

/// <summary>
/// Provisions conversations, opens two hub connections per conversation, subscribes both, then runs each step:
/// a paced sender on its own thread (absolute schedule, so a late tick catches up instead of drifting) round-robins
/// over the nurses' connections; the patients' connections record arrival. Every message's text carries its step,
/// its index and its send timestamp, so arrival needs no lookup.
/// </summary>
public sealed class LoadRunner : IHubFrameHandler
{
    private readonly LoadOptions _options;
    private readonly TextWriter _log;
    private readonly ProcStats _stats;
    private LeanHubConnection?[] _senders = [];
    private LeanHubConnection?[] _receivers = [];
    private IReadOnlyList<BenchConversation> _conversations = [];
    private long[] _lastSeq = [];
    private long[] _lastMarkRead = [];
    private string _padding = "";
    private volatile StepState? _current;

    public LoadRunner(LoadOptions options, TextWriter log)
    {
        _options = options;
        _log = log;
        _stats = new ProcStats(options.ServerPid, options.PostgresPid);
    }

    public async Task<LoadReport> RunAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using (var provisioner = new Provisioner(_options.BaseUrl, _options.AdminEmail, _options.AdminPassword))
        {
            _conversations = await provisioner.ConversationsAsync(_options.Conversations, _options.ProvisionParallelism, cancellationToken);
        }

        var provisionSeconds = watch.Elapsed.TotalSeconds;
        _log.WriteLine($"provisioned {_conversations.Count} conversations in {provisionSeconds:0.0} s");
        var count = _conversations.Count;
        _senders = new LeanHubConnection?[count];
        _receivers = new LeanHubConnection?[count];
        _lastSeq = new long[count];
        _lastMarkRead = new long[count];
        _padding = new string('x', Math.Max(0, _options.TextLength));

        var rssBefore = ProcStats.RssBytes(_options.ServerPid);
        watch.Restart();
        using var sources = new SourceAddresses(_options.SourceAddresses, firstHost: 2);
        var hubUrl = new Uri(_options.BaseUrl, "/hubs/chat");
        var established = 0;
        string? firstConnectError = null;
        await Parallel.ForEachAsync(Enumerable.Range(0, count * 2), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var conversation = _conversations[i / 2];
                var isSender = i % 2 == 0;
                try
                {
                    var connection = await LeanHubConnection.ConnectAsync(hubUrl, isSender ? conversation.NurseToken : conversation.PatientToken,
                        sources.For(i), this, isSender ? -1 - (i / 2) : i / 2, ct);
                    await connection.InvokeAsync("Subscribe", w => w.WriteStringValue(conversation.ConversationId), ct);
                    (isSender ? _senders : _receivers)[i / 2] = connection;
                    Interlocked.Increment(ref established);
                }
                catch (Exception e) when (e is HubRefusedException or InvalidOperationException or System.Net.WebSockets.WebSocketException or TimeoutException or HttpRequestException)
                {
                    Interlocked.CompareExchange(ref firstConnectError, e.Message, null);
                }
            });
        var connectSeconds = watch.Elapsed.TotalSeconds;
        var rssAfter = ProcStats.RssBytes(_options.ServerPid);
        _log.WriteLine($"connected {established}/{count * 2} in {connectSeconds:0.0} s{(firstConnectError is null ? "" : $" (first error: {firstConnectError})")}");

        var all = _senders.Concat(_receivers).OfType<LeanHubConnection>().ToArray();
        await using var pinger = new Pinger(() => all, TimeSpan.FromSeconds(10));
        var steps = new List<StepResult>();
        var stepNumber = 0;
        try
        {
            if (_options.Warmup > TimeSpan.Zero)
            {
                var warm = await RunStepAsync(++stepNumber, "warm-up", Math.Max(1, _options.WarmupRate), _options.Warmup, cancellationToken);
                _log.WriteLine($"warm-up: {warm.Acknowledged} acknowledged, {warm.Delivered} delivered");
            }

            foreach (var rate in _options.Rates)
            {
                var step = await RunStepAsync(++stepNumber, $"{rate} msg/s", rate, _options.StepDuration, cancellationToken);
                steps.Add(step);
                Print(step);
            }

            foreach (var rate in _options.StepUpRates)
            {
                var step = await RunStepAsync(++stepNumber, $"step-up {rate} msg/s", rate, _options.StepDuration, cancellationToken);
                steps.Add(step);
                Print(step);
                if (!step.Passed)
                {
                    break;
                }
            }
        }
        finally
        {
            await Task.WhenAll(all.Select(c => c.DisposeAsync().AsTask()));
        }

        return new LoadReport
        {
            ConnectionsAttempted = count * 2,
            ConnectionsEstablished = established,
            ServerRssBeforeConnectBytes = rssBefore,
            ServerRssAfterConnectBytes = rssAfter,
            ProvisionSeconds = Math.Round(provisionSeconds, 1),
            ConnectSeconds = Math.Round(connectSeconds, 1),
            MarkReadIntervalMs = (int)_options.MarkReadInterval.TotalMilliseconds,
            Steps = steps,
            HighestPassingRate = steps.Where(s => s.Name.StartsWith("step-up", StringComparison.Ordinal) && s.Passed).Select(s => s.TargetRate).DefaultIfEmpty(0).Max(),
        };
    }

    private void Print(StepResult s) => _log.WriteLine(
        $"{s.Name,-22} sent {s.Sent,7} acked {s.Acknowledged,7} delivered {s.Delivered,7} lost {s.Lost} dup {s.Duplicated} refused {s.Refused} unacked {s.Unacknowledged} " +
        $"| {s.DeliveredRate,8:0} msg/s | ack p50/p99 {s.AckMs.P50}/{s.AckMs.P99} ms | deliver p50/p90/p99/max {s.DeliverMs.P50}/{s.DeliverMs.P90}/{s.DeliverMs.P99}/{s.DeliverMs.Max} ms " +
        $"| cpu s server {s.ServerCpuSeconds:0.0} db {s.DatabaseCpuSeconds:0.0} tool {s.ToolCpuSeconds:0.0} | rss {s.ServerRssBytes / 1048576} MB | {(s.Passed ? "PASS" : "FAIL")}" +
        (s.FirstError is null ? "" : $" | {s.FirstError}"));

    private async Task<StepResult> RunStepAsync(int stepNumber, string name, int rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var total = (int)Math.Min(int.MaxValue - 1, Math.Max(1, rate * duration.TotalSeconds));
        var state = new StepState(stepNumber, total);
        _current = state;
        var before = _stats.Take();

        // The pacer gets its own thread: a thread-pool timer would queue behind the very work it is generating.
        var sent = 0;
        var pacer = new Thread(() => sent = Pace(state, rate, duration, cancellationToken)) { IsBackground = true, Name = "pacer", Priority = ThreadPriority.AboveNormal };
        pacer.Start();
        await Task.Run(pacer.Join, cancellationToken);
        var sendEnded = Stopwatch.GetTimestamp();

        // Drain: every send answered and every acknowledged message delivered, or at most 15 s.
        var drainDeadline = Stopwatch.GetTimestamp() + (15 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < drainDeadline
               && (Volatile.Read(ref state.Answered) < sent || Volatile.Read(ref state.DeliveredUnique) < Volatile.Read(ref state.Acked)))
        {
            await Task.Delay(20, cancellationToken);
        }

        // A short grace period to catch duplicates arriving after the last first delivery.
        await Task.Delay(200, cancellationToken);
        var after = _stats.Take();
        _current = null;

        var ack = new List<long>(sent);
        var deliver = new List<long>(sent);
        var ids = new List<Guid>(sent);
        long acked = 0, refused = 0, delivered = 0, lost = 0, duplicated = 0, unacked = 0, lastDelivery = 0;
        for (var i = 0; i < sent; i++)
        {
            var deliveries = state.Deliveries[i];
            if (state.AckAt[i] > 0)
            {
                acked++;
                ack.Add(state.AckAt[i] - state.SentAt[i]);
                ids.Add(state.Ids[i]);
                if (deliveries == 0)
                {
                    lost++;
                }
            }
            else if (state.AckAt[i] < 0)
            {
                refused++;
            }
            else
            {
                unacked++;
            }

            if (deliveries > 0)
            {
                delivered++;
                duplicated += deliveries - 1;
                deliver.Add(state.DeliverAt[i] - state.SentAt[i]);
                lastDelivery = Math.Max(lastDelivery, state.DeliverAt[i]);
            }
        }

        if (_options.TracePath is { } tracePath)
        {
            WriteTrace($"{tracePath}.{stepNumber}", state, sent);
        }

        var sendSeconds = (double)(sendEnded - state.Start) / Stopwatch.Frequency;
        var deliverSeconds = lastDelivery > 0 ? (double)(lastDelivery - state.Start) / Stopwatch.Frequency : 0;
        var result = new StepResult
        {
            Name = name,
            TargetRate = rate,
            DurationSeconds = duration.TotalSeconds,
            Connections = _senders.Count(c => c is not null) + _receivers.Count(c => c is not null),
            Sent = sent,
            Acknowledged = acked,
            Refused = refused,
            Unacknowledged = unacked,
            Delivered = delivered,
            Lost = lost,
            Duplicated = duplicated,
            OutOfOrder = Volatile.Read(ref state.OutOfOrder),
            SendRate = Math.Round(sent / Math.Max(sendSeconds, 1e-3), 1),
            DeliveredRate = Math.Round(delivered / Math.Max(deliverSeconds, 1e-3), 1),
            AckMs = Percentiles.From(ack),
            DeliverMs = Percentiles.From(deliver),
            ServerRssBytes = after.ServerRssBytes,
            ServerCpuSeconds = Math.Round(after.ServerCpuSeconds - before.ServerCpuSeconds, 2),
            DatabaseCpuSeconds = Math.Round(after.DatabaseCpuSeconds - before.DatabaseCpuSeconds, 2),
            ToolCpuSeconds = Math.Round(after.ToolCpuSeconds - before.ToolCpuSeconds, 2),
            ElapsedSeconds = Math.Round((double)(after.Timestamp - before.Timestamp) / Stopwatch.Frequency, 2),
            FirstError = state.FirstError,
            AcknowledgedIds = ids,
        };
        var p99 = result.DeliverMs.P99;
        return result with
        {
            Passed = sent == total && lost == 0 && unacked == 0 && refused == 0 && duplicated == 0 && result.OutOfOrder == 0
                     && p99 <= _options.MaxP99Milliseconds && result.DeliveredRate >= rate * 0.95,
        };
    }

    /// <summary>One line per message: milliseconds from the step's start to its send, then to its ack and to its delivery (negative: none).</summary>
    private static void WriteTrace(string path, StepState state, int sent)
    {
        static string Ms(long ticks) => (ticks * 1000.0 / Stopwatch.Frequency).ToString("0.000", CultureInfo.InvariantCulture);
        using var trace = new StreamWriter(path);
        for (var i = 0; i < sent; i++)
        {
            trace.WriteLine($"{Ms(state.SentAt[i] - state.Start)} {Ms(state.AckAt[i] > 0 ? state.AckAt[i] - state.SentAt[i] : -1)} {Ms(state.DeliverAt[i] > 0 ? state.DeliverAt[i] - state.SentAt[i] : -1)}");
        }
    }

    /// <summary>Sends message k at start + k/rate; bounded by the message count and by 1.5x the duration plus 5 s.</summary>
    private int Pace(StepState state, int rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var frequency = Stopwatch.Frequency;
        var deadline = (long)((duration.TotalSeconds * 1.5 + 5) * frequency);
        state.Start = Stopwatch.GetTimestamp();
        var next = 0;
        while (next < state.Total && !cancellationToken.IsCancellationRequested)
        {
            var elapsed = Stopwatch.GetTimestamp() - state.Start;
            if (elapsed > deadline)
            {
                break;
            }

            var due = (int)Math.Min(state.Total, (elapsed * (double)rate / frequency) + 1);
            for (; next < due; next++)
            {
                Send(state, next, cancellationToken);
            }

            Thread.Sleep(1);
        }

        return next;
    }

    private void Send(StepState state, int index, CancellationToken cancellationToken)
    {
        var slot = index % _conversations.Count;
        var connection = _senders[slot];
        if (connection is null || _receivers[slot] is null)
        {
            // Connections that failed to open are reported at connect time; their share is skipped, not counted as lost.
            slot = Array.FindIndex(_senders, c => c is not null);
            connection = slot >= 0 ? _senders[slot] : null;
            if (connection is null || _receivers[slot] is null)
            {
                state.AckAt[index] = -1;
                Interlocked.Increment(ref state.Answered);
                state.SetError("no connected conversation");
                return;
            }
        }

        var now = Stopwatch.GetTimestamp();
        state.SentAt[index] = now;
        var text = $"s{state.Step}:{index}:{now}:{_padding}";
        var task = connection.SendMessageAsync(((long)state.Step << 32) | (uint)index, _conversations[slot].ConversationId, $"b{state.Step}-{index}",
            text.Length > _options.TextLength ? text[.._options.TextLength] : text, cancellationToken);
        if (!task.IsCompletedSuccessfully)
        {
            _ = ObserveSendAsync(task, state, index);
        }
    }

    private static async Task ObserveSendAsync(Task send, StepState state, int index)
    {
        try
        {
            await send;
        }
        catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            if (Interlocked.CompareExchange(ref state.AckAt[index], -1, 0) == 0)
            {
                Interlocked.Increment(ref state.Answered);
            }

            state.SetError($"send failed: {e.Message}");
        }
    }

    void IHubFrameHandler.OnCompletion(LeanHubConnection connection, long invocationId, ReadOnlySpan<byte> result, string? error)
    {
        var state = _current;
        var index = (int)(invocationId & 0xffffffff);
        if (state is null || (int)(invocationId >> 32) != state.Step || index >= state.Total)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        if (error is not null)
        {
            if (Interlocked.CompareExchange(ref state.AckAt[index], -1, 0) == 0)
            {
                Interlocked.Increment(ref state.Answered);
            }

            state.SetError(error);
            return;
        }

        state.Ids[index] = ReadId(result);
        if (Interlocked.CompareExchange(ref state.AckAt[index], now, 0) == 0)
        {
            Interlocked.Increment(ref state.Answered);
            Interlocked.Increment(ref state.Acked);
        }
    }

    void IHubFrameHandler.OnEvent(LeanHubConnection connection, ReadOnlySpan<byte> target, ReadOnlySpan<byte> arguments)
    {
        // Senders are subscribed too (as a chat screen is); their own messages come back only as the send's result.
        if (connection.Tag < 0 || !target.SequenceEqual("messageCreated"u8))
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        var (seq, step, index) = ReadMessage(arguments);
        var slot = connection.Tag;
        if (seq <= _lastSeq[slot])
        {
            if (_current is { } s)
            {
                Interlocked.Increment(ref s.OutOfOrder);
            }
        }
        else
        {
            _lastSeq[slot] = seq;
        }

        var state = _current;
        if (state is not null && step == state.Step && index >= 0 && index < state.Total)
        {
            if (Interlocked.Increment(ref state.Deliveries[index]) == 1)
            {
                state.DeliverAt[index] = now;
                Interlocked.Increment(ref state.DeliveredUnique);
            }
        }

        var interval = _options.MarkReadInterval;
        if (interval > TimeSpan.Zero && now - _lastMarkRead[slot] > interval.TotalSeconds * Stopwatch.Frequency)
        {
            _lastMarkRead[slot] = now;
            var conversationId = _conversations[slot].ConversationId;
            _ = ObserveAsync(connection.SendAsync("MarkRead", w =>
            {
                w.WriteStringValue(conversationId);
                w.WriteNumberValue(seq);
            }, CancellationToken.None));
        }
    }

    private static async Task ObserveAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private static Guid ReadId(ReadOnlySpan<byte> message)
    {
        var reader = new Utf8JsonReader(message);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("id"u8) && reader.Read())
            {
                return reader.GetGuid();
            }
        }

        return Guid.Empty;
    }

    /// <summary>seq and the "s{step}:{index}:{timestamp}:" header of the text of messageCreated's first argument.</summary>
    private static (long Seq, int Step, int Index) ReadMessage(ReadOnlySpan<byte> arguments)
    {
        var reader = new Utf8JsonReader(arguments);
        long seq = -1;
        int step = -1, index = -1;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 2)
            {
                continue;
            }

            if (reader.ValueTextEquals("seq"u8) && reader.Read())
            {
                seq = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("text"u8) && reader.Read() && reader.TokenType == JsonTokenType.String)
            {
                var text = reader.ValueSpan;
                if (text.Length > 1 && text[0] == (byte)'s' && Utf8Parser.TryParse(text[1..], out step, out var used)
                    && text.Length > used + 2 && Utf8Parser.TryParse(text[(used + 2)..], out index, out _))
                {
                    continue;
                }

                step = index = -1;
            }
        }

        return (seq, step, index);
    }

    private sealed class StepState(int step, int total)
    {
        public readonly int Step = step;
        public readonly int Total = total;
        public readonly long[] SentAt = new long[total];
        public readonly long[] AckAt = new long[total];
        public readonly long[] DeliverAt = new long[total];
        public readonly int[] Deliveries = new int[total];
        public readonly Guid[] Ids = new Guid[total];
        public long Start;
        public long Answered;
        public long Acked;
        public long DeliveredUnique;
        public long OutOfOrder;
        private readonly ConcurrentQueue<string> _errors = new();

        public string? FirstError => _errors.TryPeek(out var e) ? e : null;

        public void SetError(string message)
        {
            if (_errors.IsEmpty)
            {
                _errors.Enqueue(message);
            }
        }
    }
}
