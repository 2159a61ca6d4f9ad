using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace ClinicChat.Tests.Infrastructure;

/// <summary>A real server process whose own PostgreSQL is stopped and started again while clients keep sending.</summary>
public sealed class DatabaseRestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task APostgresRestartMidLoadLosesNothingAcknowledgedAndTheServerRecoversOnItsOwn()
    {
        await using var postgres = await PrivatePostgres.StartAsync(Ct);
        var environment = new Dictionary<string, string>
        {
            ["CLINICCHAT_DATABASE"] = postgres.ConnectionString,
            ["Limits__SendsPerSecond"] = "1000",
            ["Limits__SendBurst"] = "10000",
            ["Accounts__PasswordHashIterations"] = "1000",
        };
        await using var server = await ServerProcess.StartAsync(environment, Ct);
        var http = server.CreateClient();
        const string password = "restart-test-password-1";
        var email = $"restart-{Guid.NewGuid():N}@example.com";
        (await http.PostAsJsonAsync("/api/v1/auth/register", new { email, password, displayName = "Restart Test" }, Ct)).EnsureSuccessStatusCode();
        var userId = await SignInAsync(http, email, password);
        (await http.PostAsync("/api/v1/support/room", null, Ct)).EnsureSuccessStatusCode();

        var attempted = new ConcurrentDictionary<string, string>();
        var acknowledged = new ConcurrentDictionary<string, Guid>();
        var refusedDuringOutage = 0;
        var stop = new CancellationTokenSource();
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var target = 100;
        var databaseBack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Three senders, each bounded by count; a send whose fate is unknown (an error, a 503) is retried at the end.
        var senders = Enumerable.Range(0, 3).Select(sender => Task.Run(async () =>
        {
            for (var i = 0; i < 3000 && !stop.IsCancellationRequested; i++)
            {
                var id = $"s{sender}-{i}";
                attempted[id] = $"message {id}";
                try
                {
                    using var response = await http.PostAsJsonAsync("/api/v1/support/messages", new { clientMessageId = id, text = attempted[id] }, Ct);
                    if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                    {
                        acknowledged[id] = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
                        if (acknowledged.Count >= Volatile.Read(ref target))
                        {
                            enough.TrySetResult();
                        }
                    }
                    else
                    {
                        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                        Assert.NotNull(response.Headers.RetryAfter);
                        Interlocked.Increment(ref refusedDuringOutage);
                        // As a client honouring Retry-After would: no point hammering until the database is back.
                        await databaseBack.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // The request outlived the client's timeout: its fate is unknown, and the retry below settles it.
                }
            }
        }, Ct)).ToList();

        await enough.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        await postgres.StopAsync(Ct);
        await server.WaitForReadyAsync(ready: false, Ct);
        Assert.False(server.HasExited);

        await postgres.StartAgainAsync(Ct);
        await server.WaitForReadyAsync(ready: true, Ct);
        databaseBack.SetResult();
        // Sends succeed again without any restart of the server.
        enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref target, acknowledged.Count + 100);
        await enough.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        await stop.CancelAsync();
        await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.True(refusedDuringOutage > 0, "No send met the outage: the test did not test anything.");

        var stored = await StoredAsync(postgres.ConnectionString, userId);
        Assert.All(acknowledged, a => Assert.Equal(1, stored.GetValueOrDefault(a.Key)));
        Assert.All(stored, s => Assert.Equal(1, s.Value));

        foreach (var (id, text) in attempted)
        {
            using var response = await http.PostAsJsonAsync("/api/v1/support/messages", new { clientMessageId = id, text }, Ct);
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{id}: {(int)response.StatusCode}");
            if (acknowledged.TryGetValue(id, out var first))
            {
                Assert.Equal(first, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid());
            }
        }

        var afterRetries = await StoredAsync(postgres.ConnectionString, userId);
        Assert.Equal(attempted.Keys.Order(), afterRetries.Keys.Order());
        Assert.All(afterRetries, s => Assert.Equal(1, s.Value));
    }

    private static async Task<Guid> SignInAsync(HttpClient http, string email, string password)
    {
        var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email, password }, Ct);
        login.EnsureSuccessStatusCode();
        http.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Bearer", (await login.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("accessToken").GetString());
        var me = await http.GetFromJsonAsync<JsonElement>("/api/v1/me", Ct);
        return me.GetProperty("id").GetGuid();
    }

    private static async Task<Dictionary<string, int>> StoredAsync(string database, Guid userId)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            "select client_message_id, count(*)::int from messages where sender_id = @Id and client_message_id is not null group by client_message_id", connection);
        command.Parameters.AddWithValue("Id", userId);
        var counts = new Dictionary<string, int>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            counts[reader.GetString(0)] = reader.GetInt32(1);
        }

        return counts;
    }
}
