using System.Globalization;
using System.Text.Json.Serialization;

namespace ClinicChat.Payments;

public static class PaymentProviders
{
    public const string Midtrans = "midtrans";
    public const string Simulated = "simulated";
}

public static class PaymentStatuses
{
    public const string Pending = "pending";
    public const string Paid = "paid";
    public const string Failed = "failed";
    public const string Expired = "expired";
    public const string Cancelled = "cancelled";
    public const string Refunded = "refunded";
}

/// <summary>
/// One refund attempt's state: <c>pending</c> is stored before the gateway is called and stays until the gateway
/// answers (a retry reuses its key), <c>succeeded</c> once the gateway confirmed the refund (in its answer or a
/// verified notification), <c>failed</c> when the gateway refused it (a new attempt then gets a new key).
/// </summary>
public static class RefundStatuses
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}

/// <summary>What a refund asks the gateway for; RefundKey makes a repeated request the same refund.</summary>
public sealed record RefundRequest(string OrderId, string RefundKey, long Amount, string Reason);

/// <summary>
/// The gateway's answer to a refund request that it did answer: Accepted when it refunded (status_code 200),
/// otherwise its status code and message (412 and the like: not refundable). An unreachable gateway throws instead.
/// </summary>
public sealed record RefundAnswer(bool Accepted, string StatusCode, string? Message, string? RefundKey, long? RefundAmount, string? ChargebackId);

/// <summary>
/// What booking asks a gateway for: one payment attempt for one consultation. ReturnUrl is the page the payer
/// should land on when the gateway is done (the web client's consultation page). PayerId is the patient paying.
/// </summary>
public sealed record PaymentRequest(
    string OrderId,
    Guid PayerId,
    long Amount,
    string CustomerName,
    string CustomerEmail,
    string ItemName,
    DateTimeOffset CreatedAt,
    TimeSpan Expiry,
    Uri PublicBase,
    Uri ReturnUrl);

/// <summary>Where the payer goes next: a Snap token (for Snap.js) and/or a page to redirect to.</summary>
public sealed record PaymentSession(string? Token, string RedirectUrl);

/// <summary>
/// The Midtrans notification body, and also the status API's answer (same field names). Every field is
/// optional here because the body comes from the internet: the handler checks what it needs.
/// </summary>
public sealed record MidtransNotification(
    [property: JsonPropertyName("order_id")] string? OrderId,
    [property: JsonPropertyName("status_code")] string? StatusCode,
    [property: JsonPropertyName("gross_amount")] string? GrossAmount,
    [property: JsonPropertyName("transaction_status")] string? TransactionStatus,
    [property: JsonPropertyName("fraud_status")] string? FraudStatus,
    [property: JsonPropertyName("signature_key")] string? SignatureKey)
{
    /// <summary>Midtrans' transaction statuses after a refund; notifications with these are refund notifications.</summary>
    public static bool IsRefund(string? transactionStatus) => transactionStatus is "refund" or "partial_refund";

    /// <summary>Midtrans sends amounts as decimal strings ("150000.00"); IDR has no minor unit, so only whole values are valid.</summary>
    public static long? ParseAmount(string? value) =>
        decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
        && amount == decimal.Truncate(amount) && amount is >= 0 and <= long.MaxValue
            ? (long)amount
            : null;

    public static string FormatAmount(long amount) => amount.ToString(CultureInfo.InvariantCulture) + ".00";
}

/// <summary>The gateway could not be reached or answered with an error; the caller decides between 502/503 and retry.</summary>
public sealed class PaymentGatewayException(string message, Exception? inner = null) : Exception(message, inner);

public interface IPaymentGateway
{
    /// <summary><c>midtrans</c> or <c>simulated</c>; stored with each payment.</summary>
    string Provider { get; }

    Task<PaymentSession> CreateAsync(PaymentRequest request, CancellationToken cancellationToken);

    /// <summary>The gateway's own view of an order; null when it does not know the order.</summary>
    Task<MidtransNotification?> GetStatusAsync(string orderId, CancellationToken cancellationToken);

    bool HasValidSignature(MidtransNotification notification);

    /// <summary>Refunds a settled order; idempotent on the request's RefundKey. Throws PaymentGatewayException when the gateway cannot be reached or fails.</summary>
    Task<RefundAnswer> RefundAsync(RefundRequest request, CancellationToken cancellationToken);

    /// <summary>Cancels an order not yet paid; false when the gateway refused (already paid or final), true when cancelled or never started.</summary>
    Task<bool> CancelAsync(string orderId, CancellationToken cancellationToken);
}
