using System.Net.Http.Json;
using ClinicChat.Conversations;
using ClinicChat.Support;
using ClinicChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ClinicChat.Tests.Support;

public sealed record MemberResponse(Guid UserId, string DisplayName, string Role);

public sealed record MessageResponse(Guid Id, Guid ConversationId, long Seq, Guid? SenderId, string Kind, string? Text, string? ClientMessageId, DateTimeOffset CreatedAt);

public sealed record RoomResponse(
    Guid Id,
    string Kind,
    string Status,
    List<MemberResponse> Members,
    long LastSeq,
    MessageResponse? LastMessage,
    long UnreadCount,
    MemberResponse User,
    MemberResponse? Assignee,
    DateTimeOffset OpenedAt,
    DateTimeOffset? AssignedAt,
    DateTimeOffset? ClosedAt,
    string? CloseNote,
    DateTimeOffset? WaitingSince);

public static class SupportTestKit
{
    public static async Task<RoomResponse> OpenSupportRoomAsync(this TestUser user)
    {
        var response = await user.Http.PostAsync("/api/v1/support/room", null, TestContext.Current.CancellationToken);
        await response.EnsureSuccessAsync();
        return (await response.Content.ReadFromJsonAsync<RoomResponse>(TestContext.Current.CancellationToken))!;
    }

    public static async Task<MessageResponse> SendToSupportAsync(this TestUser user, string text, string? clientMessageId = null)
    {
        var response = await user.Http.PostAsJsonAsync("/api/v1/support/messages",
            new { clientMessageId = clientMessageId ?? Guid.NewGuid().ToString(), text }, TestContext.Current.CancellationToken);
        await response.EnsureSuccessAsync();
        return (await response.Content.ReadFromJsonAsync<MessageResponse>(TestContext.Current.CancellationToken))!;
    }

    public static async Task<RoomResponse> GetSupportRoomAsync(this TestUser user, Guid roomId)
    {
        var response = await user.Http.GetAsync($"/api/v1/support/rooms/{roomId}", TestContext.Current.CancellationToken);
        await response.EnsureSuccessAsync();
        return (await response.Content.ReadFromJsonAsync<RoomResponse>(TestContext.Current.CancellationToken))!;
    }

    public static async Task<List<RoomResponse>> ListSupportRoomsAsync(this TestUser admin, string status)
    {
        var response = await admin.Http.GetAsync($"/api/v1/support/rooms?status={status}", TestContext.Current.CancellationToken);
        await response.EnsureSuccessAsync();
        return (await response.Content.ReadFromJsonAsync<List<RoomResponse>>(TestContext.Current.CancellationToken))!;
    }

    public static async Task<RoomResponse> CloseSupportRoomAsync(this TestUser admin, Guid roomId, string? note = null)
    {
        var response = await admin.Http.PostAsJsonAsync($"/api/v1/support/rooms/{roomId}/close", new { note }, TestContext.Current.CancellationToken);
        await response.EnsureSuccessAsync();
        return (await response.Content.ReadFromJsonAsync<RoomResponse>(TestContext.Current.CancellationToken))!;
    }

    public static async Task<RoomResponse> AssignSupportRoomAsync(this TestUser admin, Guid roomId, Guid? adminId = null)
    {
        var response = await admin.Http.PostAsJsonAsync($"/api/v1/support/rooms/{roomId}/assign", new { adminId }, TestContext.Current.CancellationToken);
        await response.EnsureSuccessAsync();
        return (await response.Content.ReadFromJsonAsync<RoomResponse>(TestContext.Current.CancellationToken))!;
    }

    /// <summary>An admin's reply through the public send route, which also refreshes the desk.</summary>
    public static async Task<MessageDto> ReplyAsDeskAsync(this ClinicChatApp app, Guid roomId, TestUser admin, string text)
    {
        var response = await admin.Http.PostAsJsonAsync($"/api/v1/conversations/{roomId}/messages",
            new { clientMessageId = Guid.NewGuid().ToString(), text }, TestContext.Current.CancellationToken);
        await response.EnsureSuccessAsync();
        return (await response.Content.ReadFromJsonAsync<MessageDto>(TestContext.Current.CancellationToken))!;
    }
}
