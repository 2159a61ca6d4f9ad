using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace ClinicChat.Tests.Infrastructure;

/// <summary>A real server process killed with SIGKILL in the middle of concurrent sends, then started again on the same database.</summary>
public sealed class CrashTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AfterAKillEveryAcknowledgedMessageIsStoredOnceAndRetriesCreateNothingTwice()
    {
        var database = await TestDatabase.CreateAsync(Ct);
        var environment = new Dictionary<string, string>
        {
            ["CLINICCHAT_DATABASE"] = database,
            ["Limits__SendsPerSecond"] = "1000",
            ["Limits__SendBurst"] = "10000",
            ["Accounts__PasswordHashIterations"] = "1000",
        };
        const string password = "crash-test-password-1";
        var email = $"crash-{Guid.NewGuid():N}@example.com";

        var attempted = new ConcurrentDictionary<string, string>();
        var acknowledged = new ConcurrentDictionary<string, Guid>();
        Guid userId;
        await using (var first = await ServerProcess.StartAsync(environment, Ct))
        {
            var http = first.CreateClient();
            (await http.PostAsJsonAsync("/api/v1/auth/register", new { email, password, displayName = "Crash Test" }, Ct)).EnsureSuccessStatusCode();
            (userId, http.DefaultRequestHeaders.Authorization) = await SignInAsync(http, email, password);
            (await http.PostAsync("/api/v1/support/room", null, Ct)).EnsureSuccessStatusCode();

            // Four senders at once, until the process dies under them (bounded: 400 sends each).
            var enoughAcknowledged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var senders = Enumerable.Range(0, 4).Select(sender => Task.Run(async () =>
            {
                for (var i = 0; i < 400; i++)
                {
                    var id = $"s{sender}-{i}";
                    attempted[id] = $"message {id}";
                    try
                    {
                        using var response = await http.PostAsJsonAsync("/api/v1/support/messages", new { clientMessageId = id, text = attempted[id] }, Ct);
                        if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                        {
                            acknowledged[id] = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
                            if (acknowledged.Count >= 120)
                            {
                                enoughAcknowledged.TrySetResult();
                            }
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or IOException)
                    {
                        // The server died mid-request: this send's fate is unknown to the client, which retries it below.
                        return;
                    }
                }
            }, Ct)).ToList();

            await enoughAcknowledged.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct);
            await first.KillAsync();
            await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        }

        Assert.True(acknowledged.Count >= 120);
        Assert.True(attempted.Count > acknowledged.Count || attempted.Count == 1600);

        await using var second = await ServerProcess.StartAsync(environment, Ct);
        // Before any retry: every acknowledged message is there exactly once, and nothing is there twice.
        var stored = await StoredAsync(database, userId);
        Assert.All(acknowledged, a => Assert.Equal(1, stored.GetValueOrDefault(a.Key)));
        Assert.All(stored, s => Assert.Equal(1, s.Value));

        // The clients retry everything they sent, acknowledged or not, with the same clientMessageId.
        var retry = second.CreateClient();
        (_, retry.DefaultRequestHeaders.Authorization) = await SignInAsync(retry, email, password);
        foreach (var (id, text) in attempted)
        {
            using var response = await retry.PostAsJsonAsync("/api/v1/support/messages", new { clientMessageId = id, text }, Ct);
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{id}: {(int)response.StatusCode}");
            var messageId = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
            if (acknowledged.TryGetValue(id, out var first))
            {
                // A retry of an acknowledged send is answered with the very message stored the first time.
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(first, messageId);
            }
        }

        var afterRetries = await StoredAsync(database, userId);
        Assert.Equal(attempted.Keys.Order(), afterRetries.Keys.Order());
        Assert.All(afterRetries, s => Assert.Equal(1, s.Value));
    }

    private static async Task<(Guid UserId, AuthenticationHeaderValue Bearer)> SignInAsync(HttpClient http, string email, string password)
    {
        var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email, password }, Ct);
        login.EnsureSuccessStatusCode();
        var bearer = new AuthenticationHeaderValue("Bearer", (await login.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("accessToken").GetString());
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me");
        request.Headers.Authorization = bearer;
        using var me = await http.SendAsync(request, Ct);
        me.EnsureSuccessStatusCode();
        return ((await me.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid(), bearer);
    }

    /// <summary>clientMessageId to the number of stored messages carrying it, for the user's messages.</summary>
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
