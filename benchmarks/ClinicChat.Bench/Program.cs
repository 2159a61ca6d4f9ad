using System.Globalization;
using System.Text.Json;
using ClinicChat.Bench;

// Verbs: load (provision, connect, run the rate steps), idle (hold many idle connections over worker processes),
// idle-worker (internal), report (render docs/benchmarks.md from the JSON lines). See README "Benchmark".
var verb = args.FirstOrDefault() ?? "help";
var options = Args.Parse(args.Skip(1));
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    switch (verb)
    {
        case "load":
        {
            var load = new LoadOptions
            {
                BaseUrl = options.Url("url"),
                AdminEmail = options.Get("admin-email", Environment.GetEnvironmentVariable("CLINICCHAT_ADMIN_EMAIL") ?? "bench-admin@bench.test"),
                AdminPassword = options.Get("admin-password", Environment.GetEnvironmentVariable("CLINICCHAT_ADMIN_PASSWORD") ?? "bench-admin-password"),
                Conversations = options.Int("conversations", 500),
                Rates = options.Ints("rates", [500, 2000]),
                StepUpRates = options.Ints("step-up", []),
                StepDuration = TimeSpan.FromSeconds(options.Int("duration", 20)),
                Warmup = TimeSpan.FromSeconds(options.Int("warmup", 5)),
                WarmupRate = options.Int("warmup-rate", 200),
                MaxP99Milliseconds = options.Int("max-p99-ms", 100),
                MarkReadInterval = TimeSpan.FromMilliseconds(options.Int("mark-read-ms", 0)),
                TextLength = options.Int("text-length", 64),
                SourceAddresses = options.Int("source-addresses", 4),
                ServerPid = options.Int("server-pid", 0),
                PostgresPid = options.Int("pg-pid", 0),
                TracePath = options.Get("trace", "") is { Length: > 0 } trace ? trace : null,
            };
            var report = await new LoadRunner(load, Console.Out).RunAsync(stop.Token);
            var line = JsonSerializer.Serialize(report with { Steps = report.Steps }, Json.Options);
            Console.WriteLine($"highest passing step-up rate: {report.HighestPassingRate} msg/s");
            Console.WriteLine(line);
            options.AppendTo("out", $"{{\"kind\":\"load\",\"report\":{line}}}");
            return report.ConnectionsEstablished == report.ConnectionsAttempted ? 0 : 1;
        }

        case "idle":
        {
            var result = await IdleRunner.RunAsync(options.Url("url"),
                options.Get("admin-email", Environment.GetEnvironmentVariable("CLINICCHAT_ADMIN_EMAIL") ?? "bench-admin@bench.test"),
                options.Get("admin-password", Environment.GetEnvironmentVariable("CLINICCHAT_ADMIN_PASSWORD") ?? "bench-admin-password"),
                options.Int("connections", 19_000), options.Int("processes", 2), TimeSpan.FromSeconds(options.Int("hold", 40)),
                options.Int("probe", 20), options.Int("server-pid", 0), options.Int("pg-pid", 0), Console.Out, stop.Token);
            var line = JsonSerializer.Serialize(result, Json.Options);
            Console.WriteLine($"idle: {result.Established} held, {result.BytesPerConnection / 1024:0.0} KB per connection" +
                (result.MarginalBytesPerConnection is { } marginal ? $" ({marginal / 1024:0.0} KB for each after the first worker's {result.FirstWorkerEstablished})" : "") +
                $", server CPU {result.ServerCpuSecondsDuringHold} s over {result.HoldSeconds} s");
            Console.WriteLine(line);
            options.AppendTo("out", $"{{\"kind\":\"idle\",\"report\":{line}}}");
            return 0;
        }

        case "idle-worker":
            return await IdleRunner.WorkerAsync(options.Url("url"),
                Environment.GetEnvironmentVariable("CLINICCHAT_BENCH_TOKEN") ?? throw new ArgumentException("CLINICCHAT_BENCH_TOKEN is not set."),
                options.Int("connections", 1000), options.Int("first-host", 10));

        case "report":
            BenchmarkReport.Write(options.Get("input", "artifacts/bench/results.jsonl"), options.Get("output", "docs/benchmarks.md"),
                options.Get("baseline", ""), options.Get("settings", ""), options.Get("notes", ""),
                options.Get("pg-version", "unknown"), options.Get("commit", "unknown"), options.Get("command", "./bench"));
            return 0;

        default:
            Console.Error.WriteLine("""
                usage: ClinicChat.Bench load --url http://127.0.0.1:5080 [--conversations 500] [--rates 500,2000] [--step-up 4000,6000]
                                              [--duration 20] [--warmup 5] [--server-pid N] [--pg-pid N] [--out results.jsonl]
                       ClinicChat.Bench idle --url ... [--connections 19000] [--processes 2] [--hold 40] [--probe 20] [--server-pid N]
                       ClinicChat.Bench report --input results.jsonl --output docs/benchmarks.md [--baseline baseline.jsonl]
                Normally run through ./bench, which starts the database and the server first.
                """);
            return verb == "help" ? 0 : 2;
    }
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("cancelled");
    return 130;
}

internal static class Json
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}

internal sealed class Args(Dictionary<string, string> values)
{
    public static Args Parse(IEnumerable<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? key = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                key = arg[2..];
                values[key] = "";
            }
            else if (key is not null)
            {
                values[key] = arg;
                key = null;
            }
            else
            {
                throw new ArgumentException($"Unexpected argument '{arg}'.");
            }
        }

        return new Args(values);
    }

    public string Get(string name, string fallback) => values.TryGetValue(name, out var v) && v.Length > 0 ? v : fallback;

    public int Int(string name, int fallback) => values.TryGetValue(name, out var v) && v.Length > 0 ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public IReadOnlyList<int> Ints(string name, IReadOnlyList<int> fallback) => values.TryGetValue(name, out var v)
        ? [.. v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))]
        : fallback;

    public Uri Url(string name) => new(Get(name, "http://127.0.0.1:5080"));

    public void AppendTo(string name, string line)
    {
        if (values.TryGetValue(name, out var path) && path.Length > 0)
        {
            File.AppendAllText(path, line + "\n");
        }
    }
}
