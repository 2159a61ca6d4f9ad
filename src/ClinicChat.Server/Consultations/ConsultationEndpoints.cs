using System.Security.Claims;
using ClinicChat.Accounts;
using ClinicChat.Infrastructure;
using ClinicChat.Payments;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClinicChat.Consultations;

public static class ConsultationEndpoints
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;


    public static RouteGroupBuilder MapConsultations(this RouteGroupBuilder group)
    {
        group.WithTags("Consultations");
        group.MapPost("/", async Task<Results<Created<ConsultationDto>, ValidationProblem, ProblemHttpResult>> (
            BookConsultationRequest request, ClaimsPrincipal user, HttpRequest http, ConsultationBooking booking, CancellationToken ct) =>
        {
            var publicBase = new Uri($"{http.Scheme}://{http.Host}/");
            var booked = await booking.BookAsync(user.UserId(), request, publicBase, ct);
            return booked.Failure is { } failure
                ? failure.ToProblem()
                : TypedResults.Created($"/api/v1/consultations/{booked.Value!.Id}", booked.Value);
        }).RequireAuthorization(Roles.Patient)
            .WithSummary("Book a consultation (patient)")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status502BadGateway);

        group.MapGet("/", async Task<Results<Ok<IReadOnlyList<ConsultationDto>>, ValidationProblem>> (
            string? status, int? limit, ClaimsPrincipal user, NpgsqlDataSource dataSource, ConsultationReader reader, CancellationToken ct) =>
        {
            var errors = new FieldErrors();
            if (status is not null && !ConsultationStatuses.All.Contains(status, StringComparer.Ordinal))
            {
                errors.Add("status", $"status must be one of {string.Join(", ", ConsultationStatuses.All)}.");
            }

            if (limit is < 1 or > MaxLimit)
            {
                errors.Add("limit", $"limit must be between 1 and {MaxLimit}.");
            }

            if (errors.Any)
            {
                return errors.ToProblem();
            }

            var me = user.UserId();
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            var list = await reader.ListAsync(connection, me, everyone: user.IsAdmin(), status, limit ?? DefaultLimit, ct);
            return TypedResults.Ok<IReadOnlyList<ConsultationDto>>([.. list.Select(c => c.ForViewer(me))]);
        })
            .WithSummary("List my consultations");

        group.MapGet("/{id:guid}", async Task<Results<Ok<ConsultationDto>, ProblemHttpResult>> (
            Guid id, ClaimsPrincipal user, NpgsqlDataSource dataSource, ConsultationReader reader, CancellationToken ct) =>
        {
            var me = user.UserId();
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            var consultation = await reader.FindAsync(connection, null, id, ct);
            // Not a party to it: answer as if it did not exist, so ids cannot be probed.
            return consultation is not null && (consultation.PatientId == me || consultation.DoctorId == me || user.IsAdmin())
                ? TypedResults.Ok(consultation.ForViewer(me))
                : Problems.NotFound("consultation.not_found", "Consultation");
        })
            .WithSummary("Get a consultation")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id:guid}/accept", (Guid id, ClaimsPrincipal user, ConsultationLifecycle lifecycle, CancellationToken ct) =>
            ActionAsync(lifecycle.AcceptAsync(id, user.UserId(), ct), user.UserId()))
            .WithSummary("Accept a paid consultation (doctor)")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{id:guid}/decline", (Guid id, ClaimsPrincipal user, ConsultationLifecycle lifecycle, CancellationToken ct) =>
            ActionAsync(lifecycle.DeclineAsync(id, user.UserId(), ct), user.UserId()))
            .WithSummary("Decline a paid consultation (doctor)")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{id:guid}/end", (Guid id, ClaimsPrincipal user, ConsultationLifecycle lifecycle, CancellationToken ct) =>
            ActionAsync(lifecycle.EndAsync(id, user.UserId(), ct), user.UserId()))
            .WithSummary("End an active consultation (doctor)")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{id:guid}/cancel", (Guid id, ClaimsPrincipal user, ConsultationCancellation cancellation, CancellationToken ct) =>
            ActionAsync(cancellation.CancelAsync(id, user.UserId(), ct), user.UserId()))
            .WithSummary("Cancel my booking before the doctor accepts (patient): unpaid is cancelled, paid is cancelled for refund")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{id:guid}/refund", (Guid id, ClaimsPrincipal user, Refunds refunds, CancellationToken ct) =>
            ActionAsync(refunds.RefundAsync(id, user.UserId(), "Consultation cancelled; refunded by the clinic", ct), user.UserId()))
            .RequireAuthorization(Roles.Admin)
            .WithSummary("Refund a consultation whose refund is due, through the payment gateway (admin)")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        return group;
    }

    /// <summary>Admins' refund desk: <c>status=due</c> (the default) lists what is owed, <c>status=done</c> what was refunded.</summary>
    public static RouteGroupBuilder MapRefundsAdmin(this RouteGroupBuilder group)
    {
        group.WithTags("Consultations");
        group.MapGet("/", async Task<Results<Ok<IReadOnlyList<ConsultationDto>>, ValidationProblem>> (
            string? status, int? limit, ClaimsPrincipal user, NpgsqlDataSource dataSource, ConsultationReader reader, CancellationToken ct) =>
        {
            var errors = new FieldErrors();
            if (status is not null and not ("due" or "done"))
            {
                errors.Add("status", "status must be due or done.");
            }

            if (limit is < 1 or > MaxLimit)
            {
                errors.Add("limit", $"limit must be between 1 and {MaxLimit}.");
            }

            if (errors.Any)
            {
                return errors.ToProblem();
            }

            await using var connection = await dataSource.OpenConnectionAsync(ct);
            var list = await reader.ListRefundsAsync(connection, due: status is null or "due", limit ?? DefaultLimit, ct);
            return TypedResults.Ok<IReadOnlyList<ConsultationDto>>([.. list.Select(c => c.ForViewer(user.UserId()))]);
        })
            .WithSummary("List consultations whose refund is due, or refunded ones (admin)");
        return group;
    }

    private static async Task<Results<Ok<ConsultationDto>, ProblemHttpResult>> ActionAsync(Task<Outcome<ConsultationDto>> action, Guid me)
    {
        var outcome = await action;
        return outcome.Failure is { } failure ? failure.ToProblem() : TypedResults.Ok(outcome.Value!.ForViewer(me));
    }
}
