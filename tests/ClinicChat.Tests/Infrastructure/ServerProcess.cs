using System.Diagnostics;

namespace ClinicChat.Tests.Infrastructure;

/// <summary>Runs the built server as its own process, for what only a real process shows: exit codes, console output, being killed.</summary>
public static class ServerProcess
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
    }

    public static async Task<Result> RunAsync(string[] args, Dictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var start = StartInfo(args, environment);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts the server on a free loopback port and waits until /health/ready answers 200.</summary>
    public static async Task<Running> StartAsync(Dictionary<string, string> environment, CancellationToken cancellationToken, int? port = null)
    {
        port ??= FreePort();
        var start = StartInfo([], new Dictionary<string, string>(environment) { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" });
        var running = new Running(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}"));
        try
        {
            await running.WaitUntilReadyAsync(cancellationToken);
        }
        catch
        {
            await running.DisposeAsync();
            throw;
        }

        return running;
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A server process started by <see cref="StartAsync"/>; disposing kills it if it still runs.</summary>
    public sealed class Running(Process process, Uri baseAddress) : IAsyncDisposable
    {
        private readonly Task<string> _stdout = process.StandardOutput.ReadToEndAsync();
        private readonly Task<string> _stderr = process.StandardError.ReadToEndAsync();

        public Uri BaseAddress { get; } = baseAddress;

        public bool HasExited => process.HasExited;

        public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        /// <summary>Polls /health/ready (bounded: 60 s) until it answers 200.</summary>
        public async Task WaitUntilReadyAsync(CancellationToken cancellationToken) => await WaitForReadyAsync(true, cancellationToken);

        /// <summary>Polls /health/ready (bounded: 60 s) until it answers 200 (ready) or anything else (not ready).</summary>
        public async Task WaitForReadyAsync(bool ready, CancellationToken cancellationToken)
        {
            using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"The server exited ({process.ExitCode}): {await _stderr}{await _stdout}");
                }

                try
                {
                    using var response = await http.GetAsync("/health/ready", cancellationToken);
                    if (response.IsSuccessStatusCode == ready)
                    {
                        return;
                    }
                }
                catch (HttpRequestException) when (ready)
                {
                    // Not listening yet.
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"/health/ready did not become {(ready ? "ready" : "not ready")} within 60 s.");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }

        /// <summary>SIGKILL: no shutdown, no draining, no flushing; what a power cut or the OOM killer does.</summary>
        public async Task KillAsync()
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                await KillAsync();
            }

            process.Dispose();
        }
    }

    private static ProcessStartInfo StartInfo(string[] args, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ClinicChat.Server.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // A clean slate: nothing from the test run's own environment leaks into the server's configuration.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("CLINICCHAT_", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        // Production refuses the simulated gateway unless allowed; most start-up tests are about something else.
        start.Environment["Payments__AllowSimulator"] = "true";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }
}
