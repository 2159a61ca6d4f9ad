using System.Security.Cryptography;
using Dapper;
using Npgsql;

namespace ClinicChat.Payments;

/// <summary>
/// A stand-in for Midtrans when no server key is configured. It keeps its own ledger
/// (payment_simulator_orders), answers the status re-check from it, and signs notifications with a key
/// generated at start-up, so the webhook code checks them exactly as it checks Midtrans'.
/// </summary>
public sealed class SimulatedGateway(NpgsqlDataSource dataSource, TimeProvider time) : IPaymentGateway
{
    // Notifications are signed and verified inside the same process and request, so a per-process key is enough.
    private readonly string _serverKey = "SIM-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public const string CheckoutPath = "/payments/simulator";

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
        var url = new Uri(request.PublicBase, $"{CheckoutPath}/{Uri.EscapeDataString(request.OrderId)}");
        return new PaymentSession(Token: null, url.ToString());
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
            "settlement" or "capture" => "200",
            "pending" => "201",
            _ => "202",
        };
        var gross = MidtransNotification.FormatAmount(grossAmount);
        return new MidtransNotification(orderId, statusCode, gross, transactionStatus, "accept",
            MidtransSignature.Compute(orderId, statusCode, gross, _serverKey));
    }

    private sealed record SimulatorOrder(string OrderId, long GrossAmount, string TransactionStatus);
}
