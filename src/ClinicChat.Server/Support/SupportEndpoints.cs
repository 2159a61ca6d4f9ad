using System.Security.Claims;
using ClinicChat.Accounts;
using ClinicChat.Conversations;
using ClinicChat.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClinicChat.Support;

public static class SupportEndpoints
{
    public const int MaxNoteLength = 2000;

    /// <summary>
    /// The user side (open/get my room, write to the desk, read my room) for any signed-in user, and the desk
    /// (list, assign, close, stats) for admins only. Map on a group that requires authentication.
    /// </summary>
    public static RouteGroupBuilder MapSupport(this RouteGroupBuilder group)
    {
        group.WithTags("Support");
        group.MapPost("/room", async Task<Results<Created<SupportRoomDto>, Ok<SupportRoomDto>, ProblemHttpResult>> (
            ClaimsPrincipal user, SupportRooms desk, CancellationToken ct) =>
        {
            if (user.IsAdmin())
            {
                return AdminsRunTheDesk();
            }

            var done = await desk.OpenRoomAsync(user.UserId(), ct);
            return done.Created
                ? TypedResults.Created($"/api/v1/support/rooms/{done.Room.Id}", done.Room)
                : TypedResults.Ok(done.Room);
        })
            .WithSummary("Open my support room, or get the open one")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapGet("/room", async Task<Results<Ok<SupportRoomDto>, ProblemHttpResult>> (ClaimsPrincipal user, SupportRoomReader rooms, CancellationToken ct) =>
            await rooms.FindCurrentForUserAsync(user.UserId(), ct) is { } room ? TypedResults.Ok(room) : SupportRooms.RoomNotFound.ToProblem())
            .WithSummary("Get my current support room")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/messages", async Task<Results<Created<MessageDto>, Ok<MessageDto>, ProblemHttpResult>> (
            SupportMessageRequest request, ClaimsPrincipal user, SupportRooms desk, HttpContext http, CancellationToken ct) =>
            user.IsAdmin()
                ? AdminsRunTheDesk()
                : ConversationEndpoints.ToSendResult(await desk.SendAsync(user.UserId(), request.ClientMessageId, request.Text, request.AttachmentIds, ct), http))
            .WithSummary("Write to the support desk")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        // Readable by any admin and by the room's own user; anyone else gets 404 so that room ids leak nothing.
        group.MapGet("/rooms/{id:guid}", async Task<Results<Ok<SupportRoomDto>, ProblemHttpResult>> (
            Guid id, ClaimsPrincipal user, SupportRoomReader rooms, CancellationToken ct) =>
            await rooms.FindAsync(id, user.UserId(), ct) is { } room && (user.IsAdmin() || room.User.UserId == user.UserId())
                ? TypedResults.Ok(room)
                : SupportRooms.RoomNotFound.ToProblem())
            .WithSummary("Get a support room")
            .ProducesProblem(StatusCodes.Status404NotFound);

        var desk = group.MapGroup("").RequireAuthorization(Roles.Admin);

        desk.MapGet("/rooms", async Task<Results<Ok<IReadOnlyList<SupportRoomDto>>, ValidationProblem>> (
            string? status, int? limit, ClaimsPrincipal user, SupportRoomReader rooms, CancellationToken ct) =>
        {
            var errors = new FieldErrors();
            status ??= SupportRoomFilters.Open;
            if (!SupportRoomFilters.All.Contains(status))
            {
                errors.Add("status", "Status must be one of: open, closed, unassigned.");
            }

            if (limit is < 1 or > SupportRoomReader.MaxLimit)
            {
                errors.Add("limit", $"Limit must be between 1 and {SupportRoomReader.MaxLimit}.");
            }

            return errors.Any
                ? errors.ToProblem()
                : TypedResults.Ok(await rooms.ListAsync(status, user.UserId(), limit ?? SupportRoomReader.DefaultLimit, ct));
        })
            .WithSummary("List support rooms (admin)");

        desk.MapPost("/rooms/{id:guid}/assign", async Task<Results<Ok<SupportRoomDto>, ValidationProblem, ProblemHttpResult>> (
            Guid id, AssignRoomRequest? request, ClaimsPrincipal user, SupportAssignments desk, CancellationToken ct) =>
            ToRoomResult(await desk.AssignAsync(id, request?.AdminId ?? user.UserId(), user.UserId(), ct)))
            .WithSummary("Assign a support room (admin)")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        desk.MapPost("/rooms/{id:guid}/close", async Task<Results<Ok<SupportRoomDto>, ValidationProblem, ProblemHttpResult>> (
            Guid id, CloseRoomRequest? request, ClaimsPrincipal user, SupportClosing desk, CancellationToken ct) =>
        {
            var note = string.IsNullOrWhiteSpace(request?.Note) ? null : request.Note.Trim();
            if (note is { Length: > MaxNoteLength })
            {
                return Problems.Field("note", $"Note must be at most {MaxNoteLength} characters.");
            }

            return ToRoomResult(await desk.CloseAsync(id, user.UserId(), note, ct));
        })
            .WithSummary("Close a support room (admin)")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        desk.MapGet("/stats", async Task<Results<Ok<SupportStatsDto>, ValidationProblem>> (
            DateTimeOffset? from, DateTimeOffset? to, SupportStats stats, TimeProvider time, CancellationToken ct) =>
        {
            var end = to ?? time.GetUtcNow();
            var start = from ?? end - SupportStats.DefaultWindow;
            if (start >= end)
            {
                return Problems.Field("from", "from must be earlier than to.");
            }

            if (end - start > SupportStats.MaxWindow)
            {
                return Problems.Field("from", "The window may span at most 366 days.");
            }

            return TypedResults.Ok(await stats.ComputeAsync(start, end, ct));
        })
            .WithSummary("Support desk statistics (admin)");

        return group;
    }

    private static ProblemHttpResult AdminsRunTheDesk() =>
        Problems.Forbidden("support.admin_not_allowed", "Admins answer support rooms from the desk; they do not open their own.");

    private static Results<Ok<SupportRoomDto>, ValidationProblem, ProblemHttpResult> ToRoomResult(Outcome<SupportRoomDto> outcome) =>
        outcome.Failure is { } failure ? failure.ToProblem() : TypedResults.Ok(outcome.Value!);
}
