using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ClinicChat.Tests.Payments;

/// <summary>
/// A stand-in for Midtrans on 127.0.0.1: Snap's POST /snap/v1/transactions and the v2 status, refund and cancel
/// APIs, all behind Basic auth with the server key. Tests set each order's status and build signed notifications.
/// Refunds behave as documented: a settled order is refunded once per refund_key, a repeated key answers the same
/// refund without moving money again, anything not settled is refused with 412.
/// </summary>
public sealed class FakeMidtrans : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Order> _orders = new();
    private WebApplication? _app;

    public string ServerKey { get; } = "SB-Mid-server-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>When set, every endpoint answers 503 as if Midtrans were down.</summary>
    public bool Down { get; set; }

    public ConcurrentQueue<JsonNode> CreateRequests { get; } = new();

    public int StatusRequests => _statusRequests;

    private int _statusRequests;

    public sealed record Order(long GrossAmount, string TransactionStatus, string? FraudStatus);

    public sealed record Refund(string OrderId, string RefundKey, long Amount, string Reason, int ChargebackId);

    private readonly ConcurrentDictionary<string, Refund> _refunds = new();

    /// <summary>Every refund request received, repeats included.</summary>
    public ConcurrentQueue<JsonNode> RefundRequests { get; } = new();

    /// <summary>Refunds that moved money: one per refund_key.</summary>
    public IReadOnlyCollection<Refund> Refunds => [.. _refunds.Values];

    /// <summary>Orders cancelled through the cancel API.</summary>
    public ConcurrentQueue<string> CancelRequests { get; } = new();

    /// <summary>When set, the refund answer reports this refund_amount whatever was asked (a gateway disagreeing with us).</summary>
    public long? RefundAmountOverride { get; set; }

    /// <summary>When set, the refund API answers 200 with this status_code in the body (e.g. "412"), as Midtrans does for refusals.</summary>
    public string? RefuseRefundWith { get; set; }

    /// <summary>When set, the refund API makes the refund and then answers 504, as if the answer were lost on the way back.</summary>
    public bool LoseRefundAnswers { get; set; }

    private int _chargebacks;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/snap/v1/transactions", async (HttpContext context) =>
        {
            if (Refuse(context) is { } refusal)
            {
                return refusal;
            }

            var body = (await JsonNode.ParseAsync(context.Request.Body))!;
            CreateRequests.Enqueue(body);
            var orderId = body["transaction_details"]!["order_id"]!.GetValue<string>();
            var gross = body["transaction_details"]!["gross_amount"]!.GetValue<long>();
            _orders[orderId] = new Order(gross, "pending", null);
            return Results.Json(new { token = $"tok-{orderId}", redirect_url = $"https://app.sandbox.midtrans.test/snap/v4/redirection/tok-{orderId}" }, statusCode: 201);
        });
        _app.MapGet("/v2/{orderId}/status", (string orderId, HttpContext context) =>
        {
            if (Refuse(context) is { } refusal)
            {
                return refusal;
            }

            Interlocked.Increment(ref _statusRequests);
            if (!_orders.TryGetValue(orderId, out var order))
            {
                return Results.Json(new { status_code = "404", status_message = "Transaction doesn't exist." }, statusCode: 404);
            }

            return Results.Text(NotificationJson(orderId, order.TransactionStatus, order.FraudStatus, Amount(order.GrossAmount)), "application/json");
        });
        _app.MapPost("/v2/{orderId}/refund", async (string orderId, HttpContext context) =>
        {
            if (Refuse(context) is { } refusal)
            {
                return refusal;
            }

            var body = (await JsonNode.ParseAsync(context.Request.Body))!;
            RefundRequests.Enqueue(body);
            var key = body["refund_key"]!.GetValue<string>();
            var amount = body["amount"]!.GetValue<long>();
            if (!_orders.TryGetValue(orderId, out var order))
            {
                return Results.Json(new { status_code = "404", status_message = "The requested resource is not found" });
            }

            if (RefuseRefundWith is { } code)
            {
                return Results.Json(new { status_code = code, status_message = "Transaction status cannot be updated." });
            }

            if (_refunds.TryGetValue(key, out var repeat))
            {
                return RefundAnswer(orderId, order, repeat);
            }

            if (order.TransactionStatus != "settlement" || amount > order.GrossAmount || amount <= 0)
            {
                return Results.Json(new { status_code = "412", status_message = "Transaction status cannot be updated." });
            }

            var refund = _refunds.GetOrAdd(key, _ => new Refund(orderId, key, amount, body["reason"]?.GetValue<string>() ?? "", Interlocked.Increment(ref _chargebacks)));
            var refunded = order with { TransactionStatus = refund.Amount == order.GrossAmount ? "refund" : "partial_refund" };
            _orders[orderId] = refunded;
            return LoseRefundAnswers ? Results.StatusCode(504) : RefundAnswer(orderId, refunded, refund);
        });
        _app.MapPost("/v2/{orderId}/cancel", (string orderId, HttpContext context) =>
        {
            if (Refuse(context) is { } refusal)
            {
                return refusal;
            }

            CancelRequests.Enqueue(orderId);
            if (!_orders.TryGetValue(orderId, out var order))
            {
                return Results.Json(new { status_code = "404", status_message = "The requested resource is not found" });
            }

            if (order.TransactionStatus is not ("pending" or "cancel"))
            {
                return Results.Json(new { status_code = "412", status_message = "Transaction status cannot be updated." });
            }

            _orders[orderId] = order with { TransactionStatus = "cancel" };
            return Results.Json(new { status_code = "200", status_message = "Success, transaction is canceled", order_id = orderId, transaction_status = "cancel" });
        });
        await _app.StartAsync();
        BaseUrl = new Uri(_app.Urls.First());
    }

    public void SetStatus(string orderId, string transactionStatus, string? fraudStatus = null, long? grossAmount = null) =>
        _orders.AddOrUpdate(orderId,
            _ => new Order(grossAmount ?? 0, transactionStatus, fraudStatus),
            (_, o) => new Order(grossAmount ?? o.GrossAmount, transactionStatus, fraudStatus));

    public Order? Find(string orderId) => _orders.GetValueOrDefault(orderId);

    private IResult RefundAnswer(string orderId, Order order, Refund refund) => Results.Json(new
    {
        status_code = "200",
        status_message = "Success, refund request is approved",
        transaction_id = Guid.NewGuid().ToString(),
        order_id = orderId,
        gross_amount = Amount(order.GrossAmount),
        currency = "IDR",
        payment_type = "credit_card",
        transaction_time = "2026-11-16 10:01:00",
        transaction_status = order.TransactionStatus,
        refund_chargeback_id = refund.ChargebackId,
        refund_amount = Amount(RefundAmountOverride ?? refund.Amount),
        refund_key = refund.RefundKey,
    });

    public static string Amount(long amount) => amount.ToString(CultureInfo.InvariantCulture) + ".00";

    /// <summary>A notification body as Midtrans sends it, signed with the server key unless a signature is given.</summary>
    public string NotificationJson(string orderId, string transactionStatus, string? fraudStatus, string grossAmount, string? signature = null)
    {
        var statusCode = transactionStatus switch { "settlement" or "capture" or "refund" or "partial_refund" => "200", "pending" => "201", _ => "202" };
        return JsonSerializer.Serialize(new Dictionary<string, string?>
        {
            ["transaction_time"] = "2026-11-16 10:01:00",
            ["transaction_status"] = transactionStatus,
            ["transaction_id"] = Guid.NewGuid().ToString(),
            ["status_message"] = "midtrans payment notification",
            ["status_code"] = statusCode,
            ["signature_key"] = signature ?? Sign(orderId, statusCode, grossAmount),
            ["payment_type"] = "bank_transfer",
            ["order_id"] = orderId,
            ["merchant_id"] = "G000000000",
            ["gross_amount"] = grossAmount,
            ["fraud_status"] = fraudStatus,
            ["currency"] = "IDR",
        });
    }

    public string Sign(string orderId, string statusCode, string grossAmount) =>
        Convert.ToHexStringLower(SHA512.HashData(Encoding.UTF8.GetBytes(orderId + statusCode + grossAmount + ServerKey)));

    private IResult? Refuse(HttpContext context)
    {
        if (Down)
        {
            return Results.StatusCode(503);
        }

        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(ServerKey + ":"));
        return context.Request.Headers.Authorization == expected
            ? null
            : Results.Json(new { status_code = "401", status_message = "Access denied" }, statusCode: 401);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
