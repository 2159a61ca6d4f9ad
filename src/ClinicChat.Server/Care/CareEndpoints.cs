using ClinicChat.Infrastructure;
using System.Security.Claims;
using ClinicChat.Accounts;
using ClinicChat.Conversations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClinicChat.Care;

public static class CareEndpoints
{
    /// <summary>Under /admin/patients, admin only.</summary>
    public static RouteGroupBuilder MapCareAdmin(this RouteGroupBuilder group)
    {
        group.WithTags("Care");
        group.MapGet("/nurse-assignments", async Task<Ok<IReadOnlyList<CareAssignmentViewDto>>> (CareService care, CancellationToken ct) =>
            TypedResults.Ok(await care.CurrentAssignmentsAsync(ct)))
            .WithSummary("List current nurse assignments (admin)");

        group.MapPut("/{patientId:guid}/nurse", async Task<Results<Ok<CareAssignmentDto>, ProblemHttpResult>> (
            Guid patientId, AssignNurseRequest request, ClaimsPrincipal admin, CareService care, HttpContext http, CancellationToken ct) =>
            ConversationEndpoints.ToResult(await care.AssignAsync(patientId, request.NurseId, admin.UserId(), ct), http))
            .WithSummary("Assign a patient's nurse (admin)")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <summary>Under /care.</summary>
    public static RouteGroupBuilder MapCare(this RouteGroupBuilder group)
    {
        group.WithTags("Care");
        group.MapGet("/patients", async Task<Ok<IReadOnlyList<CarePatientDto>>> (ClaimsPrincipal nurse, CareService care, CancellationToken ct) =>
            TypedResults.Ok(await care.PatientsAsync(nurse.UserId(), ct)))
            .RequireAuthorization(Roles.Nurse)
            .WithSummary("List my patients (nurse)");

        group.MapGet("/nurse", async Task<Results<Ok<CareNurseDto>, ProblemHttpResult>> (ClaimsPrincipal patient, CareService care, CancellationToken ct) =>
            await care.NurseAsync(patient.UserId(), ct) is { } nurse
                ? TypedResults.Ok(nurse)
                : CareService.NoNurse.ToProblem())
            .RequireAuthorization(Roles.Patient)
            .WithSummary("Get my assigned nurse (patient)")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/messages", async Task<Results<Created<MessageDto>, Ok<MessageDto>, ProblemHttpResult>> (
            CareMessageRequest request, ClaimsPrincipal user, CareService care, HttpContext http, CancellationToken ct) =>
            ConversationEndpoints.ToSendResult(
                await care.SendAsync(ChatCaller.From(user), user.Role(), request.PatientId, request.ClientMessageId, request.Text, request.AttachmentIds, ct), http))
            .WithSummary("Send a care message")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        return group;
    }
}
