using ClinicChat.Infrastructure;
using Dapper;
using Npgsql;

namespace ClinicChat.Tests.Infrastructure;

/// <summary>The Dapper conventions every feature's SQL relies on.</summary>
public sealed class DatabaseConventionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DateTimeOffsetWithAnOffsetIsStoredAsTheSameInstant()
    {
        DapperConventions.Register();
        await using var connection = new NpgsqlConnection(TestDatabase.AdminConnectionString);
        await connection.OpenAsync(Ct);
        // Client input such as a booking's startAt arrives with the caller's offset.
        var jakartaMorning = new DateTimeOffset(2026, 11, 16, 10, 0, 0, TimeSpan.FromHours(7));

        var stored = await connection.QuerySingleAsync<DateTimeOffset>(new CommandDefinition(
            "select @At::timestamptz", new { At = jakartaMorning }, cancellationToken: Ct));

        Assert.Equal(jakartaMorning.UtcDateTime, stored.UtcDateTime);
        Assert.Equal(TimeSpan.Zero, stored.Offset);
    }

    [Fact]
    public async Task NullableDateTimeOffsetRoundTrips()
    {
        DapperConventions.Register();
        await using var connection = new NpgsqlConnection(TestDatabase.AdminConnectionString);
        await connection.OpenAsync(Ct);
        DateTimeOffset? at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(-5));

        var stored = await connection.QuerySingleAsync<DateTimeOffset?>(new CommandDefinition(
            "select @At::timestamptz", new { At = at }, cancellationToken: Ct));

        Assert.Equal(at.Value.UtcDateTime, stored!.Value.UtcDateTime);
    }

    [Fact]
    public async Task TimeOnlyRoundTrips()
    {
        DapperConventions.Register();
        await using var connection = new NpgsqlConnection(TestDatabase.AdminConnectionString);
        await connection.OpenAsync(Ct);

        var stored = await connection.QuerySingleAsync<TimeOnly>(new CommandDefinition(
            "select @T::time", new { T = new TimeOnly(8, 30) }, cancellationToken: Ct));

        Assert.Equal(new TimeOnly(8, 30), stored);
    }
}
