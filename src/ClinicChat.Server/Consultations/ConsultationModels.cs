namespace ClinicChat.Consultations;

public static class ConsultationStatuses
{
    public const string AwaitingPayment = "awaiting_payment";
    public const string Paid = "paid";
    public const string Active = "active";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";

    public static readonly string[] All = [AwaitingPayment, Paid, Active, Completed, Cancelled];
}

public static class CancelReasons
{
    public const string PaymentTimeout = "payment_timeout";
    public const string PaymentFailed = "payment_failed";
    public const string Declined = "declined";
    public const string AcceptTimeout = "accept_timeout";
    public const string PatientCancelled = "patient_cancelled";
}

/// <summary>The latest refund attempt: status pending, succeeded or failed (see RefundStatuses); key is the gateway's refund_key.</summary>
public sealed record RefundDto(string Status, long Amount, DateTimeOffset? RefundedAt, string Key);

public sealed record PaymentDto(string Provider, string OrderId, string Status, string? Token, string? RedirectUrl);

/// <summary>
/// The public consultation shape of the REST API plus additions: names for display, the refund flag and
/// cancel reason, the two deadlines (payBy while awaiting payment, acceptBy while paid) and, while active,
/// warnedAt: when the end-of-session warning went out, so a client that reloads knows without guessing; refund: the
/// latest refund attempt, if any.
/// </summary>
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
    PaymentDto? Payment,
    string PatientName,
    string DoctorName,
    bool RefundDue,
    string? CancelReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset? PayBy,
    DateTimeOffset? AcceptBy,
    DateTimeOffset? WarnedAt,
    RefundDto? Refund);

public sealed record BookConsultationRequest(Guid? DoctorId, DateTimeOffset? StartAt);
