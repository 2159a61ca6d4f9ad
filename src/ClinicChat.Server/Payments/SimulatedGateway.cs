using System.Globalization;
using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;

namespace ClinicChat.Payments;

/// <summary>
/// A stand-in for Midtrans when no server key is configured. It keeps its own ledger
/// (payment_simulator_orders), answers the status re-check from it, and signs notifications with a key
/// generated at start-up, so the webhook code checks them exactly as it checks Midtrans'.
/// <para>
/// Its checkout pages are opened by the browser through a redirect (no Authorization header), so the order id alone
/// must not be enough to pay or decline: the booking's redirect URL carries a checkout token, protected with the
/// Data Protection key ring, naming the order and the paying patient and expiring an hour after the booking's
/// payment window (on the injected clock). Only the patient sees that URL; the page and its approve/decline posts require the token.
/// </para>
/// </summary>
public sealed class SimulatedGateway(NpgsqlDataSource dataSource, TimeProvider time, IDataProtectionProvider protection) : IPaymentGateway
{
    // Notifications are signed and verified inside the same process and request, so a per-process key is enough.
    private readonly string _serverKey = "SIM-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private readonly IDataProtector _checkoutTokens = protection.CreateProtector("ClinicChat.Payments.SimulatorCheckout.v1");

    public const string CheckoutPath = "/payments/simulator";

    public static readonly TimeSpan CheckoutGrace = TimeSpan.FromHours(1);

    /// <summary>The query parameter of the checkout page and the form field of its posts that carry the checkout token.</summary>
    public const string TokenField = "t";

    public string Provider => PaymentProviders.Simulated;

    public async Task<PaymentSession> CreateAsync(PaymentRequest request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var now = time.GetUtcNow();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            insert into payment_simulator_orders (order_id, gross_amount, transaction_status, created_at, updated_at)
            values (@OrderId, @Amount, 'pending', @Now, @Now)
            """,
            new { request.OrderId, request.Amount, Now = now }, cancellationToken: cancellationToken));
        // An hour past the payment window, so that a late payer still sees why nothing can be paid; the booking's
        // state, not the token, is what stops a payment after the window.
        var expires = request.CreatedAt + request.Expiry + CheckoutGrace;
        var token = _checkoutTokens.Protect(string.Join('|', request.OrderId, request.PayerId.ToString("N"),
            expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        var url = new Uri(request.PublicBase, $"{CheckoutPath}/{Uri.EscapeDataString(request.OrderId)}?{TokenField}={Uri.EscapeDataString(token)}");
        return new PaymentSession(Token: null, url.ToString());
    }

    /// <summary>The patient a checkout token was issued to, when it is genuine, unexpired and for this order; otherwise null.</summary>
    public Guid? CheckoutPayer(string orderId, string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 1024)
        {
            return null;
        }

        try
        {
            var parts = _checkoutTokens.Unprotect(token).Split('|');
            return parts.Length == 3 && parts[0] == orderId && Guid.TryParseExact(parts[1], "N", out var payer)
                && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
                && DateTimeOffset.FromUnixTimeSeconds(expires) > time.GetUtcNow()
                    ? payer
                    : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public async Task<MidtransNotification?> GetStatusAsync(string orderId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var order = await connection.QuerySingleOrDefaultAsync<SimulatorOrder>(new CommandDefinition(
            "select order_id, gross_amount, transaction_status from payment_simulator_orders where order_id = @OrderId",
            new { OrderId = orderId }, cancellationToken: cancellationToken));
        return order is null ? null : Sign(order.OrderId, order.GrossAmount, order.TransactionStatus);
    }

    public bool HasValidSignature(MidtransNotification notification) => MidtransSignature.IsValid(notification, _serverKey);

    /// <summary>
    /// Refunds a settled order in full or in part, as Midtrans does: the same key again answers the same refund;
    /// an order not settled, a second refund under another key, or more than was paid is refused with 412.
    /// </summary>
    public async Task<RefundAnswer> RefundAsync(RefundRequest request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var order = await connection.QuerySingleOrDefaultAsync<SimulatorRefund>(new CommandDefinition(
            """
            update payment_simulator_orders
            set transaction_status = case when @Amount = gross_amount then 'refund' else 'partial_refund' end,
                refund_key = @RefundKey, refund_amount = @Amount, updated_at = @Now
            where order_id = @OrderId and transaction_status = 'settlement' and @Amount <= gross_amount
            returning refund_key, refund_amount
            """,
            new { request.OrderId, request.RefundKey, request.Amount, Now = time.GetUtcNow() }, cancellationToken: cancellationToken))
            ?? await connection.QuerySingleOrDefaultAsync<SimulatorRefund>(new CommandDefinition(
                "select refund_key, refund_amount from payment_simulator_orders where order_id = @OrderId and refund_key = @RefundKey",
                new { request.OrderId, request.RefundKey }, cancellationToken: cancellationToken));
        return order is null
            ? new RefundAnswer(false, "412", "The transaction cannot be refunded.", request.RefundKey, null, null)
            : new RefundAnswer(true, "200", "Success, refund request is approved", order.RefundKey, order.RefundAmount, null);
    }

    public async Task<bool> CancelAsync(string orderId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var status = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            """
            update payment_simulator_orders set transaction_status = case when transaction_status = 'pending' then 'cancel' else transaction_status end,
                updated_at = @Now
            where order_id = @OrderId returning transaction_status
            """,
            new { OrderId = orderId, Now = time.GetUtcNow() }, cancellationToken: cancellationToken));
        return status is null or "cancel";
    }

    /// <summary>Moves a pending order to settlement or deny; false when the order is unknown or already decided.</summary>
    public async Task<MidtransNotification?> DecideAsync(string orderId, bool approve, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var order = await connection.QuerySingleOrDefaultAsync<SimulatorOrder>(new CommandDefinition(
            """
            update payment_simulator_orders set transaction_status = @Status, updated_at = @Now
            where order_id = @OrderId and transaction_status = 'pending'
            returning order_id, gross_amount, transaction_status
            """,
            new { OrderId = orderId, Status = approve ? "settlement" : "deny", Now = time.GetUtcNow() }, cancellationToken: cancellationToken));
        return order is null ? null : Sign(order.OrderId, order.GrossAmount, order.TransactionStatus);
    }

    private MidtransNotification Sign(string orderId, long grossAmount, string transactionStatus)
    {
        var statusCode = transactionStatus switch
        {
            "settlement" or "capture" or "refund" or "partial_refund" => "200",
            "pending" => "201",
            _ => "202",
        };
        var gross = MidtransNotification.FormatAmount(grossAmount);
        return new MidtransNotification(orderId, statusCode, gross, transactionStatus, "accept",
            MidtransSignature.Compute(orderId, statusCode, gross, _serverKey));
    }

    private sealed record SimulatorRefund(string RefundKey, long RefundAmount);

    private sealed record SimulatorOrder(string OrderId, long GrossAmount, string TransactionStatus);
}
