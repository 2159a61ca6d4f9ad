using System.Text.Json;

namespace ClinicChat.Audit;

/// <summary>One audit row; detail is the JSON the writer stored (never message bodies, tokens or passwords).</summary>
public sealed record AuditEntryDto(long Id, DateTimeOffset At, Guid? ActorId, string Action, string TargetType, string TargetId, JsonElement? Detail);

/// <summary>Newest first; pass the last entry's id as <c>before</c> for the next page.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEntryDto> Entries, bool HasMore);

public sealed record AuditQuery(string? TargetType, string? TargetId, Guid? ActorId, long? Before, int Limit);
