using ClinicChat.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClinicChat.Audit;

public static class AuditEndpoints
{
    public const int MaxFilterLength = 200;


    /// <summary>Under /admin/audit, admin only: reading the audit log is an admin duty.</summary>
    public static RouteGroupBuilder MapAudit(this RouteGroupBuilder group)
    {
        group.WithTags("Audit");
        group.MapGet("/", async Task<Results<Ok<AuditPage>, ValidationProblem>> (
            string? targetType, string? targetId, Guid? actorId, long? before, int? limit, AuditReader reader, CancellationToken ct) =>
        {
            var errors = new FieldErrors();
            if (limit is < 1 or > AuditReader.MaxLimit)
            {
                errors.Add("limit", $"limit must be between 1 and {AuditReader.MaxLimit}.");
            }

            if (before is < 1)
            {
                errors.Add("before", "before must be the id of an audit entry.");
            }

            foreach (var (field, value) in new[] { ("targetType", targetType), ("targetId", targetId) })
            {
                if (value is { Length: > MaxFilterLength })
                {
                    errors.Add(field, $"{field} must be at most {MaxFilterLength} characters.");
                }
            }

            return errors.Any
                ? errors.ToProblem()
                : TypedResults.Ok(await reader.ListAsync(
                    new AuditQuery(NullIfBlank(targetType), NullIfBlank(targetId), actorId, before, limit ?? AuditReader.DefaultLimit), ct));
        })
            .WithSummary("Read the audit log, newest first (admin)");

        return group;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
