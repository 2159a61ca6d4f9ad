namespace ClinicChat.Consultations;

public static class ConsultationStatuses
{
    public const string AwaitingPayment = "awaiting_payment";
    public const string Paid = "paid";
    public const string Active = "active";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";
}

public sealed record PaymentDto(string Provider, string OrderId, string Status, string? Token, string? RedirectUrl);

public sealed record ConsultationDto(
    Guid Id,
    Guid PatientId,
    Guid DoctorId,
    string Status,
    long Fee,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    long RemainingSeconds,
    Guid? ConversationId,
    PaymentDto? Payment);
