using System.Net.Http.Json;
using ClinicChat.Conversations;
using ClinicChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ClinicChat.Tests.Realtime;

/// <summary>Shortcuts the chat tests share: conversations straight through the store, hub connections, sends.</summary>
public static class ChatTestKit
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static Uri HubUrl(this ClinicChatApp app) => new(app.BaseAddress, "/hubs/chat");

    /// <summary>Creates a conversation the way features do (ConversationStore inside their own transaction).</summary>
    public static async Task<Guid> CreateConversationAsync(this ClinicChatApp app, string kind, string status, params TestUser[] members)
    {
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        var store = app.Services.GetRequiredService<ConversationStore>();
        await using var connection = await dataSource.OpenConnectionAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        var id = await store.CreateAsync(connection, transaction, kind, status, [.. members.Select(m => m.Id)], Ct);
        await transaction.CommitAsync(Ct);
        return id;
    }

    public static Task<Guid> CreateCareChatAsync(this ClinicChatApp app, TestUser a, TestUser b) =>
        app.CreateConversationAsync(ConversationKinds.Care, ConversationStatuses.Open, a, b);

    /// <summary>A new patient and nurse with an open care chat between them.</summary>
    public static async Task<(TestUser Patient, TestUser Nurse, Guid Conversation)> CarePairAsync(this ClinicChatApp app)
    {
        var patient = await app.RegisterPatientAsync();
        var nurse = await app.CreateStaffAsync("nurse");
        return (patient, nurse, await app.CreateCareChatAsync(patient, nurse));
    }

    /// <summary>Connects and returns once the server has finished OnConnectedAsync, so the user is online and reachable.</summary>
    public static async Task<HubClient> ConnectHubAsync(this ClinicChatApp app, TestUser user, bool tokenInQuery = false, string? origin = null)
    {
        var hub = await HubClient.ConnectAsync(app.HubUrl(), user.AccessToken, tokenInQuery, origin, cancellationToken: Ct);
        try
        {
            await hub.FlushAsync();
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }

        return hub;
    }

    public static Task<HttpResponseMessage> PostMessageAsync(this TestUser user, Guid conversationId, string? text, string? clientMessageId = null) =>
        user.Http.PostAsJsonAsync($"/api/v1/conversations/{conversationId}/messages",
            new { clientMessageId = clientMessageId ?? Guid.NewGuid().ToString("N"), text }, Ct);

    public static async Task<MessageDto> SendAsync(this TestUser user, Guid conversationId, string text, string? clientMessageId = null)
    {
        var response = await user.PostMessageAsync(conversationId, text, clientMessageId);
        await response.EnsureSuccessAsync();
        return (await response.Content.ReadFromJsonAsync<MessageDto>(Ct))!;
    }

    public static async Task<MessagePage> HistoryAsync(this TestUser user, Guid conversationId, string query = "")
    {
        var response = await user.Http.GetAsync($"/api/v1/conversations/{conversationId}/messages{query}", Ct);
        await response.EnsureSuccessAsync();
        return (await response.Content.ReadFromJsonAsync<MessagePage>(Ct))!;
    }

    /// <summary>Every message of the conversation, straight from the database (what is really stored).</summary>
    public static async Task<List<(long Seq, Guid? SenderId, string? Text, string? ClientMessageId)>> StoredMessagesAsync(this ClinicChatApp app, Guid conversationId)
    {
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand(
            "select seq, sender_id, text, client_message_id from messages where conversation_id = $1 order by seq");
        command.Parameters.AddWithValue(conversationId);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<(long, Guid?, string?, string?)>();
        while (await reader.ReadAsync(Ct))
        {
            rows.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return rows;
    }
}
