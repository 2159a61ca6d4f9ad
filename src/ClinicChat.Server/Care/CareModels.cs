using ClinicChat.Infrastructure;
using ClinicChat.Conversations;

namespace ClinicChat.Care;

public sealed record AssignNurseRequest(Guid? NurseId);

public sealed record CareAssignmentDto(Guid PatientId, Guid NurseId, Guid ConversationId, DateTimeOffset AssignedAt);

/// <summary>A current assignment as the admin's overview lists it.</summary>
public sealed record CareAssignmentViewDto(
    Guid PatientId,
    string PatientName,
    Guid NurseId,
    string NurseName,
    Guid ConversationId,
    DateTimeOffset AssignedAt);

public sealed record CarePatientDto(
    Guid PatientId,
    string DisplayName,
    Guid ConversationId,
    DateTimeOffset AssignedAt,
    MessageDto? LastMessage,
    long UnreadCount,
    bool Online);

public sealed record CareNurseDto(Guid NurseId, string DisplayName, string Role, Guid ConversationId, DateTimeOffset AssignedAt, bool Online);

/// <summary>A patient writes to "my nurse" (no patientId); a nurse names the patient.</summary>
public sealed record CareMessageRequest(string? ClientMessageId, [MultilineText] string? Text, Guid? PatientId, Guid[]? AttachmentIds = null);
