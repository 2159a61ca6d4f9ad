using System.Diagnostics;

namespace ClinicChat.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster of a test's own, for faults that would hurt every other test on the shared one (a restart,
/// a stop). Started and stopped through scripts/lib.sh, the same functions ./run and ./test use.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string _directory;

    private PrivatePostgres(string directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    private string DataDirectory => Path.Combine(_directory, "data");

    public static async Task<PrivatePostgres> StartAsync(CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("clinicchat-pg-").FullName;
        // As root the cluster runs as the postgres user, which must be able to reach its data directory.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        var cluster = new PrivatePostgres(directory, ServerProcess.FreePort());
        await cluster.StartAgainAsync(cancellationToken);
        return cluster;
    }

    /// <summary>Starts the cluster (creating it the first time); durable settings, as in production.</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken) =>
        LibAsync($"ensure_postgres && pg_start '{DataDirectory}' {Port} max_connections=100", cancellationToken);

    /// <summary>A fast shutdown: every session is cut, as in a failover or a restart for an upgrade.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => LibAsync($"ensure_postgres && pg_stop '{DataDirectory}'", cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        Directory.Delete(_directory, recursive: true);
    }

    private static async Task LibAsync(string script, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"source '{Path.Combine(RepositoryRoot(), "scripts", "lib.sh")}' && {script}");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{script}` failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ClinicChat.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (ClinicChat.slnx) was not found above the test binaries.");
    }
}
