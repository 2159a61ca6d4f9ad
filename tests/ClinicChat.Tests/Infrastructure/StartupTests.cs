using System.Net;
using System.Net.Sockets;
using ClinicChat.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ClinicChat.Tests.Infrastructure;

/// <summary>Start-up failures end as one clear line and exit code 1, never as a stack trace.</summary>
public sealed class StartupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A loopback port with nothing listening on it.</summary>
    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string Unreachable(int port) => $"Host=127.0.0.1;Port={port};Username=postgres;Database=clinic;Timeout=5";

    private static void AssertOneCleanLine(ServerProcess.Result result, string expected)
    {
        Assert.True(result.ExitCode == 1, result.ToString());
        var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, result.ToString());
        Assert.StartsWith("clinicchat: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        // No stack trace anywhere, not even inside a JSON log line on stdout.
        Assert.DoesNotContain("   at ", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MigratorNamesHostAndPortOfAnUnreachableDatabase()
    {
        var port = ClosedPort();
        await using var dataSource = NpgsqlDataSource.Create(Unreachable(port) + ";Password=s3cret-db-pw");

        var error = await Assert.ThrowsAsync<StartupException>(
            () => new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync(Ct));

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-db-pw", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task ServerWithUnreachableDatabasePrintsOneLineAndExitsOne()
    {
        var port = ClosedPort();

        var result = await ServerProcess.RunAsync([], new() { ["CLINICCHAT_DATABASE"] = Unreachable(port) + ";Password=s3cret-db-pw" }, Ct);

        AssertOneCleanLine(result, $"127.0.0.1:{port}");
        Assert.DoesNotContain("s3cret-db-pw", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        // Outside Development the logs are structured: one JSON object per line.
        Assert.All(result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            line => Assert.Equal(System.Text.Json.JsonValueKind.Object, System.Text.Json.JsonDocument.Parse(line).RootElement.ValueKind));
    }

    [Fact]
    public async Task MigrateVerbWithUnreachableDatabasePrintsOneLineAndExitsOne()
    {
        var port = ClosedPort();

        var result = await ServerProcess.RunAsync(["migrate"], new() { ["CLINICCHAT_DATABASE"] = Unreachable(port) }, Ct);

        AssertOneCleanLine(result, $"127.0.0.1:{port}");
    }

    [Fact]
    public async Task ServerWithoutADatabaseSettingSaysWhatToSet()
    {
        var result = await ServerProcess.RunAsync([], [], Ct);

        AssertOneCleanLine(result, "CLINICCHAT_DATABASE");
    }

    [Fact]
    public async Task UnknownClinicTimeZoneIsAOneLineConfigurationError()
    {
        var result = await ServerProcess.RunAsync([], new()
        {
            ["CLINICCHAT_DATABASE"] = Unreachable(ClosedPort()),
            ["Clinic__TimeZone"] = "Mars/Olympus_Mons",
        }, Ct);

        AssertOneCleanLine(result, "Mars/Olympus_Mons");
    }

    public static TheoryData<string, string, string> BadSettings => new()
    {
        // Validated when the hub is mapped, before the host runs.
        { "Limits__SendsPerSecond", "100000", "SendsPerSecond" },
        { "Limits__HubKeepAliveSeconds", "1", "HubKeepAliveSeconds" },
        // Not a number: a binding error rather than a validation error.
        { "Limits__SendsPerSecond", "lots", "Limits:SendsPerSecond" },
        // Read by the builder itself, before anything is built.
        { "Limits__MaxHubMessageBytes", "big", "Limits:MaxHubMessageBytes" },
        { "Limits__MaxRequestBodyBytes", "1", "MaxRequestBodyBytes" },
        { "Limits__MaxRequestBodyBytes", "huge", "Limits:MaxRequestBodyBytes" },
        { "Clinic__DefaultLanguage", "fr", "Clinic:DefaultLanguage" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task AnOutOfRangeOrUnreadableSettingIsAOneLineConfigurationError(string key, string value, string named)
    {
        var result = await ServerProcess.RunAsync([], new()
        {
            ["CLINICCHAT_DATABASE"] = Unreachable(ClosedPort()),
            [key] = value,
        }, Ct);

        AssertOneCleanLine(result, named);
        Assert.Contains("clinicchat: invalid configuration", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProductionWithoutAMidtransKeyRefusesTheSimulatorBeforeTouchingTheDatabase()
    {
        var result = await ServerProcess.RunAsync([], new()
        {
            ["CLINICCHAT_DATABASE"] = Unreachable(ClosedPort()),
            ["Payments__AllowSimulator"] = "",
        }, Ct);

        AssertOneCleanLine(result, "no Midtrans server key is set in Production");
        Assert.Contains("Payments__AllowSimulator=true", result.StandardError, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> SimulatorAllowed => new()
    {
        { "Production", "Payments__AllowSimulator", "true" },
        { "Production", "Payments__Midtrans__ServerKey", "Mid-server-test-key" },
        { "Development", "Payments__AllowSimulator", "" },
        { "Testing", "Payments__AllowSimulator", "" },
    };

    /// <summary>Past the payments check, the next thing start-up does is reach the (here unreachable) database.</summary>
    [Theory]
    [MemberData(nameof(SimulatorAllowed))]
    public async Task TheSimulatorRunsOutsideProductionOrWhenExplicitlyAllowed(string environment, string key, string value)
    {
        var port = ClosedPort();

        var result = await ServerProcess.RunAsync([], new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = environment,
            ["CLINICCHAT_DATABASE"] = Unreachable(port),
            ["Payments__AllowSimulator"] = "",
            [key] = value,
        }, Ct);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"clinicchat: Cannot reach PostgreSQL at 127.0.0.1:{port}", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Midtrans", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAllowSimulatorValueThatIsNotABooleanIsAOneLineError()
    {
        var result = await ServerProcess.RunAsync([], new()
        {
            ["CLINICCHAT_DATABASE"] = Unreachable(ClosedPort()),
            ["Payments__AllowSimulator"] = "yes",
        }, Ct);

        AssertOneCleanLine(result, "Payments:AllowSimulator must be true or false.");
    }

    [Fact]
    public async Task AddressAlreadyInUseIsAOneLineError()
    {
        var occupied = new TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        try
        {
            var port = ((IPEndPoint)occupied.LocalEndpoint).Port;

            var result = await ServerProcess.RunAsync([], new()
            {
                ["CLINICCHAT_DATABASE"] = await TestDatabase.CreateAsync(Ct),
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            }, Ct);

            AssertOneCleanLine(result, $"127.0.0.1:{port}");
        }
        finally
        {
            occupied.Stop();
        }
    }
}
