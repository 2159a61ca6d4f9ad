using System.Security.Claims;
using ClinicChat.Accounts;
using ClinicChat.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClinicChat.Doctors;

public static class DoctorEndpoints
{
    public static RouteGroupBuilder MapDoctors(this RouteGroupBuilder group)
    {
        group.WithTags("Doctors");
        group.MapGet("/", async Task<Ok<IReadOnlyList<DoctorDto>>> (DoctorDirectory doctors, CancellationToken ct) =>
            TypedResults.Ok(await doctors.ListAsync(ct)))
            .WithSummary("List doctors");

        group.MapGet("/{id:guid}", async Task<Results<Ok<DoctorDto>, ProblemHttpResult>> (Guid id, DoctorDirectory doctors, CancellationToken ct) =>
            await doctors.FindAsync(id, ct) is { } doctor ? TypedResults.Ok(doctor) : Problems.NotFound("doctor.not_found", "Doctor"))
            .WithSummary("Get a doctor")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut("/{id:guid}/profile", async Task<Results<Ok<DoctorDto>, ValidationProblem, ProblemHttpResult>> (
            Guid id, DoctorProfileRequest request, ClaimsPrincipal user, DoctorDirectory doctors, CancellationToken ct) =>
        {
            if (!MayEdit(user, id))
            {
                return Problems.Forbidden("doctor.edit_forbidden", "Only the doctor or an admin may edit this profile.");
            }

            var errors = new FieldErrors();
            var specialty = request.Specialty?.Trim() ?? "";
            var bio = request.Bio?.Trim() ?? "";
            if (specialty.Length > 100)
            {
                errors.Add("specialty", "Specialty must be at most 100 characters.");
            }

            if (request.Fee is not { } fee || fee < 0 || fee > DoctorDirectory.MaxFee)
            {
                errors.Add("fee", $"Fee is required: a whole IDR amount from 0 to {DoctorDirectory.MaxFee}.");
            }

            if (bio.Length > 2000)
            {
                errors.Add("bio", "Bio must be at most 2000 characters.");
            }

            if (errors.Any)
            {
                return errors.ToProblem();
            }

            return await doctors.UpdateProfileAsync(id, specialty, request.Fee!.Value, bio, user.UserId(), ct)
                   && await doctors.FindAsync(id, ct) is { } doctor
                ? TypedResults.Ok(doctor)
                : Problems.NotFound("doctor.not_found", "Doctor");
        })
            .WithSummary("Edit a doctor's profile")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{id:guid}/schedule", async Task<Results<Ok<IReadOnlyList<ScheduleEntryDto>>, ProblemHttpResult>> (Guid id, DoctorDirectory doctors, CancellationToken ct) =>
            await doctors.FindScheduleAsync(id, ct) is { } schedule
                ? TypedResults.Ok<IReadOnlyList<ScheduleEntryDto>>([.. schedule.Intervals.Select(i => i.ToDto())])
                : Problems.NotFound("doctor.not_found", "Doctor"))
            .WithSummary("Get a doctor's weekly schedule")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut("/{id:guid}/schedule", async Task<Results<Ok<IReadOnlyList<ScheduleEntryDto>>, ValidationProblem, ProblemHttpResult>> (
            Guid id, List<ScheduleEntryDto?>? request, ClaimsPrincipal user, DoctorDirectory doctors, CancellationToken ct) =>
        {
            if (!MayEdit(user, id))
            {
                return Problems.Forbidden("doctor.edit_forbidden", "Only the doctor or an admin may edit this schedule.");
            }

            var errors = new FieldErrors();
            var schedule = WeeklySchedule.Parse(request, errors);
            if (schedule is null)
            {
                return errors.ToProblem();
            }

            return await doctors.ReplaceScheduleAsync(id, schedule, user.UserId(), ct)
                ? TypedResults.Ok<IReadOnlyList<ScheduleEntryDto>>([.. schedule.Intervals.Select(i => i.ToDto())])
                : Problems.NotFound("doctor.not_found", "Doctor");
        })
            .WithSummary("Replace a doctor's weekly schedule")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    private static bool MayEdit(ClaimsPrincipal user, Guid doctorId) => user.IsAdmin() || user.UserId() == doctorId;
}
