using ClinicChat.Infrastructure;
using System.Security.Claims;
using ClinicChat.Accounts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClinicChat.Conversations;

/// <summary>
/// The chat REST routes of the public API. Handlers only translate: every rule lives in the services the hub uses
/// too. A conversation the caller may not access answers 404, exactly like one that does not exist.
/// </summary>
public static class ConversationEndpoints
{
    public const int MaxListLimit = 200;

    public static RouteGroupBuilder MapConversations(this RouteGroupBuilder group)
    {
        group.WithTags("Conversations");
        group.MapGet("/", async Task<Results<Ok<IReadOnlyList<ConversationDto>>, ProblemHttpResult>> (
            int? limit, int? offset, ClaimsPrincipal user, ConversationQueries conversations, CancellationToken ct) =>
        {
            if (limit is < 1 or > MaxListLimit || offset is < 0)
            {
                return Invalid(limit is < 1 or > MaxListLimit ? "limit" : "offset",
                    $"limit must be between 1 and {MaxListLimit}; offset must be zero or more.");
            }

            return TypedResults.Ok(await conversations.ListAsync(ChatCaller.From(user), limit ?? 100, offset ?? 0, ct));
        })
            .WithSummary("List my conversations")
            .ProducesValidationProblem();

        group.MapGet("/{id:guid}", async Task<Results<Ok<ConversationDto>, ProblemHttpResult>> (
            Guid id, ClaimsPrincipal user, ConversationQueries conversations, CancellationToken ct) =>
            await conversations.GetAsync(ChatCaller.From(user), id, ct) is { } conversation
                ? TypedResults.Ok(conversation)
                : ConversationFailures.NotFound.ToProblem())
            .WithSummary("Get a conversation")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{id:guid}/messages", async Task<Results<Ok<MessagePage>, ProblemHttpResult>> (
            Guid id, long? before, long? after, int? limit, ClaimsPrincipal user, MessageHistory history, HttpContext http, CancellationToken ct) =>
            ToResult(await history.PageAsync(ChatCaller.From(user), id, before, after, limit, ct), http))
            .WithSummary("Page through messages")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id:guid}/messages", async Task<Results<Created<MessageDto>, Ok<MessageDto>, ProblemHttpResult>> (
            Guid id, SendMessageRequest request, ClaimsPrincipal user, MessageSender sender, HttpContext http, CancellationToken ct) =>
            ToSendResult(await sender.SendAsync(ChatCaller.From(user), id, request.ClientMessageId, request.Text, request.AttachmentIds, originConnectionId: null, ct), http))
            .WithSummary("Send a message")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        group.MapPost("/{id:guid}/read", async Task<Results<Ok<ReadStateDto>, ProblemHttpResult>> (
            Guid id, MarkReadRequest request, ClaimsPrincipal user, ReadReceipts receipts, HttpContext http, CancellationToken ct) =>
            ToResult(await receipts.MarkReadAsync(ChatCaller.From(user), id, request.UpToSeq, request.MessageIds, ct), http))
            .WithSummary("Mark messages read")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id:guid}/delivered", async Task<Results<Ok<DeliveryStateDto>, ProblemHttpResult>> (
            Guid id, DeliveredRequest request, ClaimsPrincipal user, ReadReceipts receipts, HttpContext http, CancellationToken ct) =>
            ToResult(await receipts.AckDeliveredAsync(ChatCaller.From(user), id, request.UpToSeq, ct), http))
            .WithSummary("Acknowledge delivery")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{id:guid}/unread-count", async Task<Results<Ok<UnreadCountDto>, ProblemHttpResult>> (
            Guid id, ClaimsPrincipal user, ReadReceipts receipts, HttpContext http, CancellationToken ct) =>
            ToResult(await receipts.UnreadCountAsync(ChatCaller.From(user), id, ct), http))
            .WithSummary("Get unread count of a conversation")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    /// <summary>Routes about messages across conversations: counts, delete, search.</summary>
    public static RouteGroupBuilder MapMessages(this RouteGroupBuilder group)
    {
        group.WithTags("Conversations");
        group.MapGet("/unread", async Task<Ok<UnreadSummaryDto>> (ClaimsPrincipal user, UnreadCounter unread, CancellationToken ct) =>
            TypedResults.Ok(await unread.SummaryAsync(user.UserId(), ct)))
            .WithSummary("Get unread counts of all my conversations");

        group.MapDelete("/messages/{id:guid}", async Task<Results<Ok<MessageDto>, ProblemHttpResult>> (
            Guid id, ClaimsPrincipal user, MessageDeletion deletion, HttpContext http, CancellationToken ct) =>
            ToResult(await deletion.DeleteAsync(ChatCaller.From(user), id, ct), http))
            .WithSummary("Delete a message")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/search/messages", async Task<Results<Ok<SearchPage>, ProblemHttpResult>> (
            string? q, int? limit, int? offset, ClaimsPrincipal user, MessageSearch search, HttpContext http, CancellationToken ct) =>
            ToResult(await search.SearchAsync(ChatCaller.From(user), q, limit, offset, ct), http))
            .WithSummary("Search messages")
            .ProducesValidationProblem();

        return group;
    }

    public static Results<Ok<T>, ProblemHttpResult> ToResult<T>(Outcome<T> outcome, HttpContext http) =>
        outcome.Failure is { } failure ? failure.ToProblem(http) : TypedResults.Ok(outcome.Value!);

    /// <summary>201 for a new message, 200 with the stored original when a retry matched it.</summary>
    public static Results<Created<MessageDto>, Ok<MessageDto>, ProblemHttpResult> ToSendResult(Outcome<SendResult> outcome, HttpContext http)
    {
        if (outcome.Failure is { } failure)
        {
            return failure.ToProblem(http);
        }

        var (message, created) = outcome.Value!;
        return created
            ? TypedResults.Created($"/api/v1/conversations/{message.ConversationId}/messages?after={message.Seq - 1}&limit=1", message)
            : TypedResults.Ok(message);
    }

    private static ProblemHttpResult Invalid(string field, string message) =>
        Failure.Field(field, message).ToProblem();
}
