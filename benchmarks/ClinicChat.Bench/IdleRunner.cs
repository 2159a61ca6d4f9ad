using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace ClinicChat.Bench;

public sealed record IdleResult
{
    public string Kind { get; init; } = "idle";

    public int Requested { get; init; }

    public int Processes { get; init; }

    public int Established { get; init; }

    /// <summary>Refused with 503 by the server's connection cap (expected only past Limits:MaxHubConnections).</summary>
    public int RefusedAtCap { get; init; }

    public int Failed { get; init; }

    public double ConnectSeconds { get; init; }

    public long ServerRssBeforeBytes { get; init; }

    public long ServerRssConnectedBytes { get; init; }

    public long ServerRssEndBytes { get; init; }

    /// <summary>(RSS at the end of the hold - RSS before connecting) / connections held.</summary>
    public double BytesPerConnection { get; init; }

    /// <summary>Connections held, and server RSS, once the first worker process had connected (before the others started).</summary>
    public int FirstWorkerEstablished { get; init; }

    public long ServerRssFirstWorkerBytes { get; init; }

    /// <summary>
    /// What the later connections added: (RSS held - RSS after the first worker) / (connections held - the first
    /// worker's), both sampled the same time after connecting. Costs paid once per process (code compiled on the
    /// first connection, memory pools, the GC's allocation budget) fall outside it; null with one worker process.
    /// </summary>
    public double? MarginalBytesPerConnection { get; init; }

    public double HoldSeconds { get; init; }

    /// <summary>
    /// Connections the tool dropped itself because the server had been silent for the official clients' default
    /// server timeout (30 s): each is one that an unmodified client would have lost. Must be 0.
    /// </summary>
    public int DroppedBySilence { get; init; }

    /// <summary>Server CPU while merely holding the connections (pings, session sweeps).</summary>
    public double ServerCpuSecondsDuringHold { get; init; }

    public double DatabaseCpuSecondsDuringHold { get; init; }

    /// <summary>Extra connections tried once all were held: how many the cap refused cleanly, and whether the server still answered.</summary>
    public int ProbeAttempted { get; init; }

    public int ProbeRefused { get; init; }

    public int ProbeAccepted { get; init; }

    public bool ServerAliveAfter { get; init; }
}

/// <summary>
/// Idle connections: a process may hold at most 20,000 open files here, so the connections are spread over worker
/// processes (this executable again, verb idle-worker) that connect, report, hold until told to close, and exit.
/// All share one login: connection cost, not sign-up cost, is what is measured (the bench script lifts the per-user
/// and per-address connection limits accordingly). Each worker behaves like an official SignalR client at its
/// defaults: it pings every 15 s and drops a connection that has heard nothing from the server for 30 s, so the
/// memory and CPU figures are those of connections default clients would keep.
/// </summary>
public static class IdleRunner
{
    /// <summary>The official SignalR clients' defaults (KeepAliveInterval, ServerTimeout).</summary>
    public static readonly TimeSpan ClientKeepAlive = TimeSpan.FromSeconds(15);

    public static readonly TimeSpan ClientServerTimeout = TimeSpan.FromSeconds(30);

    public static async Task<IdleResult> RunAsync(Uri baseUrl, string adminEmail, string adminPassword, int connections, int processes, TimeSpan hold,
        int probe, int serverPid, int postgresPid, TextWriter log, CancellationToken cancellationToken)
    {
        string token;
        using (var provisioner = new Provisioner(baseUrl, adminEmail, adminPassword))
        {
            token = await provisioner.IdleUserTokenAsync(cancellationToken);
        }

        var stats = new ProcStats(serverPid, postgresPid);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var before = stats.Take();
        var watch = Stopwatch.StartNew();
        var workers = new List<Worker>();
        try
        {
            var share = (connections + processes - 1) / processes;
            var shares = Enumerable.Range(0, processes).Select(p => Math.Min(share, connections - (p * share))).Where(c => c > 0).ToList();

            // The first worker connects alone and the server is sampled, so that the later connections' cost can be
            // told apart from what the first connection costs once per process.
            workers.Add(Worker.Start(baseUrl, token, shares[0], firstHost: 10, log));
            var first = await workers[0].ConnectedAsync(TimeSpan.FromMinutes(5), cancellationToken);
            var firstSeconds = watch.Elapsed.TotalSeconds;
            ProcStats.Sample? afterFirst = null;
            if (shares.Count > 1)
            {
                // Let allocation settle (first pings, session sweep) before measuring.
                await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
                afterFirst = stats.Take();
                watch.Restart();
                for (var p = 1; p < shares.Count; p++)
                {
                    workers.Add(Worker.Start(baseUrl, token, shares[p], firstHost: 10 + (p * 8), log));
                }
            }

            var counts = (await Task.WhenAll(workers.Skip(1).Select(w => w.ConnectedAsync(TimeSpan.FromMinutes(5), cancellationToken)))).Prepend(first).ToArray();
            var connectSeconds = firstSeconds + (shares.Count > 1 ? watch.Elapsed.TotalSeconds : 0);
            var established = counts.Sum(c => c.Ok);
            log.WriteLine($"idle: {established} connections held by {workers.Count} processes in {connectSeconds:0.0} s ({counts.Sum(c => c.Refused)} refused, {counts.Sum(c => c.Failed)} failed)");

            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
            var connected = stats.Take();
            await Task.Delay(hold, cancellationToken);
            var end = stats.Take();

            var (accepted, refused) = await ProbeAsync(baseUrl, token, probe, cancellationToken);
            log.WriteLine($"idle: probe past the held connections: {refused}/{probe} refused with 503, {accepted} accepted");
            var dropped = (await Task.WhenAll(workers.Select(w => w.StopAsync()))).Sum();
            if (dropped > 0)
            {
                log.WriteLine($"idle: {dropped} connections were dropped as a default client would: nothing heard from the server for {ClientServerTimeout.TotalSeconds:0} s");
            }

            var alive = await IsAliveAsync(baseUrl, cancellationToken);
            return new IdleResult
            {
                Requested = connections,
                Processes = workers.Count,
                Established = established,
                RefusedAtCap = counts.Sum(c => c.Refused),
                Failed = counts.Sum(c => c.Failed),
                ConnectSeconds = Math.Round(connectSeconds, 1),
                ServerRssBeforeBytes = before.ServerRssBytes,
                ServerRssConnectedBytes = connected.ServerRssBytes,
                ServerRssEndBytes = end.ServerRssBytes,
                BytesPerConnection = established > 0 ? Math.Round((double)(end.ServerRssBytes - before.ServerRssBytes) / established) : 0,
                FirstWorkerEstablished = first.Ok,
                ServerRssFirstWorkerBytes = afterFirst?.ServerRssBytes ?? 0,
                MarginalBytesPerConnection = afterFirst is { } half && established > first.Ok
                    ? Math.Round((double)(connected.ServerRssBytes - half.ServerRssBytes) / (established - first.Ok))
                    : null,
                HoldSeconds = hold.TotalSeconds,
                DroppedBySilence = dropped,
                ServerCpuSecondsDuringHold = Math.Round(end.ServerCpuSeconds - connected.ServerCpuSeconds, 2),
                DatabaseCpuSecondsDuringHold = Math.Round(end.DatabaseCpuSeconds - connected.DatabaseCpuSeconds, 2),
                ProbeAttempted = probe,
                ProbeRefused = refused,
                ProbeAccepted = accepted,
                ServerAliveAfter = alive,
            };
        }
        finally
        {
            await Task.WhenAll(workers.Select(w => w.StopAsync()));
        }
    }

    /// <summary>The verb idle-worker: connect, print "connected ok refused failed", hold until stdin says close (or 15 minutes).</summary>
    public static async Task<int> WorkerAsync(Uri baseUrl, string token, int connections, int firstHost)
    {
        using var sources = new SourceAddresses(8, firstHost);
        var hubUrl = new Uri(baseUrl, "/hubs/chat");
        var held = new LeanHubConnection?[connections];
        int refused = 0, failed = 0;
        var handler = new NullHandler();
        await Parallel.ForEachAsync(Enumerable.Range(0, connections), new ParallelOptions { MaxDegreeOfParallelism = 48 }, async (i, ct) =>
        {
            try
            {
                held[i] = await LeanHubConnection.ConnectAsync(hubUrl, token, sources.For(i), handler, i, ct);
            }
            catch (HubRefusedException e) when (e.Status == HttpStatusCode.ServiceUnavailable)
            {
                Interlocked.Increment(ref refused);
            }
            catch (Exception e) when (e is HubRefusedException or InvalidOperationException or System.Net.WebSockets.WebSocketException or TimeoutException or HttpRequestException or IOException)
            {
                if (Interlocked.Increment(ref failed) == 1)
                {
                    await Console.Error.WriteLineAsync($"idle-worker: first failure: {e.Message}");
                }
            }
        });

        var open = held.OfType<LeanHubConnection>().ToArray();
        await using (new Pinger(() => open, ClientKeepAlive, ClientServerTimeout))
        {
            Console.WriteLine($"connected {open.Length} {refused} {failed}");
            var command = Console.In.ReadLineAsync();
            await Task.WhenAny(command, Task.Delay(TimeSpan.FromMinutes(15)));
        }

        var timedOut = open.Count(c => c.TimedOut);
        var closedByServer = open.Count(c => !c.IsOpen && !c.TimedOut);
        await Parallel.ForEachAsync(open, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (c, _) => await c.DisposeAsync());
        Console.WriteLine($"closed {closedByServer} {timedOut}");
        return 0;
    }

    private static async Task<(int Accepted, int Refused)> ProbeAsync(Uri baseUrl, string token, int count, CancellationToken cancellationToken)
    {
        using var sources = new SourceAddresses(1, firstHost: 250);
        var hubUrl = new Uri(baseUrl, "/hubs/chat");
        int accepted = 0, refused = 0;
        for (var i = 0; i < count; i++)
        {
            try
            {
                await using var connection = await LeanHubConnection.ConnectAsync(hubUrl, token, sources.For(0), new NullHandler(), i, cancellationToken);
                accepted++;
            }
            catch (HubRefusedException e) when (e.Status == HttpStatusCode.ServiceUnavailable)
            {
                refused++;
            }
        }

        return (accepted, refused);
    }

    private static async Task<bool> IsAliveAsync(Uri baseUrl, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var response = await http.GetAsync("/health/live", cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private sealed class NullHandler : IHubFrameHandler
    {
        public void OnCompletion(LeanHubConnection connection, long invocationId, ReadOnlySpan<byte> result, string? error)
        {
        }

        public void OnEvent(LeanHubConnection connection, ReadOnlySpan<byte> target, ReadOnlySpan<byte> arguments)
        {
        }
    }

    private sealed class Worker
    {
        private readonly Process _process;
        private readonly TextWriter _log;
        private bool _stopped;

        private Worker(Process process, TextWriter log)
        {
            _process = process;
            _log = log;
        }

        public static Worker Start(Uri baseUrl, string token, int connections, int firstHost, TextWriter log)
        {
            var self = Environment.ProcessPath!;
            var info = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                info.ArgumentList.Add(typeof(IdleRunner).Assembly.Location);
            }

            foreach (var arg in new[] { "idle-worker", "--url", baseUrl.ToString(), "--connections", connections.ToString(CultureInfo.InvariantCulture), "--first-host", firstHost.ToString(CultureInfo.InvariantCulture) })
            {
                info.ArgumentList.Add(arg);
            }

            // The token goes through the environment, not the command line, where any local user could read it.
            info.Environment["CLINICCHAT_BENCH_TOKEN"] = token;
            return new Worker(Process.Start(info)!, log);
        }

        public async Task<(int Ok, int Refused, int Failed)> ConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            var line = await _process.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(timeout, cancellationToken);
            var parts = (line ?? "").Split(' ');
            if (parts.Length != 4 || parts[0] != "connected")
            {
                throw new InvalidOperationException($"idle worker {_process.Id} said: {line ?? "(nothing)"}");
            }

            return (int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture), int.Parse(parts[3], CultureInfo.InvariantCulture));
        }

        /// <summary>Closes the worker's connections; returns how many it had dropped for silence. Safe to call twice.</summary>
        public async Task<int> StopAsync()
        {
            if (_stopped)
            {
                return 0;
            }

            _stopped = true;
            var timedOut = 0;
            try
            {
                if (!_process.HasExited)
                {
                    await _process.StandardInput.WriteLineAsync("close");
                    await _process.StandardInput.FlushAsync();
                }

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                var closed = (await _process.StandardOutput.ReadLineAsync(timeout.Token))?.Split(' ');
                if (closed is ["closed", var byServer, var bySilence])
                {
                    timedOut = int.Parse(bySilence, CultureInfo.InvariantCulture);
                    if (byServer != "0")
                    {
                        _log.WriteLine($"idle: {byServer} connections of worker {_process.Id} had been closed by the server during the hold");
                    }
                }

                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
            {
                if (!_process.HasExited)
                {
                    _process.Kill();
                }
            }
            finally
            {
                _process.Dispose();
            }

            return timedOut;
        }
    }
}
