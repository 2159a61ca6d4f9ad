using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace ClinicChat.Payments;

/// <summary>Typed client for the Midtrans endpoints the server uses: Snap create and the v2 status, refund and cancel APIs.</summary>
public sealed partial class MidtransClient(HttpClient http, IOptions<MidtransOptions> options, ILogger<MidtransClient> logger)
{
    public async Task<SnapResponse> CreateTransactionAsync(SnapRequest body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Value.SnapBase, "snap/v1/transactions"))
        {
            Content = JsonContent.Create(body),
        };
        using var response = await SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            LogRefused("create transaction", (int)response.StatusCode);
            throw new PaymentGatewayException($"Midtrans refused the transaction ({(int)response.StatusCode}).");
        }

        var snap = await ReadAsync<SnapResponse>(response, cancellationToken);
        if (string.IsNullOrEmpty(snap?.Token) || !Uri.TryCreate(snap.RedirectUrl, UriKind.Absolute, out _))
        {
            throw new PaymentGatewayException("Midtrans answered without a token and redirect_url.");
        }

        return snap;
    }

    public async Task<MidtransNotification?> GetStatusAsync(string orderId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.Value.ApiBase, $"v2/{Uri.EscapeDataString(orderId)}/status"));
        using var response = await SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            LogRefused("status", (int)response.StatusCode);
            throw new PaymentGatewayException($"Midtrans status API answered {(int)response.StatusCode}.");
        }

        var status = await ReadAsync<MidtransNotification>(response, cancellationToken);
        // The status API reports an unknown order as HTTP 200 with status_code 404 in the body.
        return status is null || status.StatusCode == "404" ? null : status;
    }

    /// <summary>
    /// POST /v2/{order_id}/refund. Midtrans answers HTTP 200 with the outcome in the body's status_code: "200" refunded,
    /// "412" and the like refused (not refundable, amount too high, ...). A 5xx, in the status line or the body, is the
    /// gateway failing, not an answer: it throws, and the caller keeps the attempt pending to retry with the same key.
    /// </summary>
    public async Task<RefundAnswer> RefundAsync(RefundRequest refund, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Value.ApiBase, $"v2/{Uri.EscapeDataString(refund.OrderId)}/refund"))
        {
            Content = JsonContent.Create(new MidtransRefundBody(refund.RefundKey, refund.Amount, refund.Reason)),
        };
        using var response = await SendAsync(request, cancellationToken);
        if ((int)response.StatusCode >= 500)
        {
            LogRefused("refund", (int)response.StatusCode);
            throw new PaymentGatewayException($"Midtrans refund API answered {(int)response.StatusCode}.");
        }

        var body = await ReadAsync<MidtransRefundResponse>(response, cancellationToken);
        var code = body?.StatusCode ?? ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        if (code.StartsWith('5'))
        {
            LogRefused("refund", int.TryParse(code, CultureInfo.InvariantCulture, out var c) ? c : 0);
            throw new PaymentGatewayException($"Midtrans refund API answered status_code {code}.");
        }

        return new RefundAnswer(code == "200" && response.IsSuccessStatusCode, code, body?.StatusMessage, body?.RefundKey,
            MidtransNotification.ParseAmount(body?.RefundAmount is { } amount ? amount.ToString() : null), body?.RefundChargebackId?.ToString());
    }

    /// <summary>POST /v2/{order_id}/cancel. 404: Midtrans never saw a payment for the order (the payer never chose a method), which is as good as cancelled.</summary>
    public async Task<bool> CancelAsync(string orderId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Value.ApiBase, $"v2/{Uri.EscapeDataString(orderId)}/cancel"));
        using var response = await SendAsync(request, cancellationToken);
        if ((int)response.StatusCode >= 500)
        {
            LogRefused("cancel", (int)response.StatusCode);
            throw new PaymentGatewayException($"Midtrans cancel API answered {(int)response.StatusCode}.");
        }

        var body = await ReadAsync<MidtransRefundResponse>(response, cancellationToken);
        var code = body?.StatusCode ?? ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        return code is "200" or "404";
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(options.Value.ServerKey + ":")));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new PaymentGatewayException("Midtrans is unreachable.", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PaymentGatewayException("Midtrans did not answer in time.", e);
        }
    }

    private static async Task<T?> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(cancellationToken);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new PaymentGatewayException("Midtrans answered with malformed JSON.", e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Midtrans {Operation} answered HTTP {StatusCode}")]
    private partial void LogRefused(string operation, int statusCode);
}

public sealed record MidtransRefundBody(
    [property: JsonPropertyName("refund_key")] string RefundKey,
    [property: JsonPropertyName("amount")] long Amount,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>The refund and cancel APIs' answer; refund_amount ("5000.00") and refund_chargeback_id (a number) are kept as raw JSON, whichever type they come as.</summary>
public sealed record MidtransRefundResponse(
    [property: JsonPropertyName("status_code")] string? StatusCode,
    [property: JsonPropertyName("status_message")] string? StatusMessage,
    [property: JsonPropertyName("refund_key")] string? RefundKey,
    [property: JsonPropertyName("refund_amount")] System.Text.Json.JsonElement? RefundAmount,
    [property: JsonPropertyName("refund_chargeback_id")] System.Text.Json.JsonElement? RefundChargebackId);

public sealed record SnapRequest(
    [property: JsonPropertyName("transaction_details")] SnapTransactionDetails TransactionDetails,
    [property: JsonPropertyName("customer_details")] SnapCustomerDetails CustomerDetails,
    [property: JsonPropertyName("item_details")] IReadOnlyList<SnapItem> ItemDetails,
    [property: JsonPropertyName("expiry")] SnapExpiry Expiry,
    [property: JsonPropertyName("callbacks")] SnapCallbacks Callbacks);

/// <summary>Per-transaction override of the dashboard's Finish redirect URL, so each payer returns to their consultation.</summary>
public sealed record SnapCallbacks(
    [property: JsonPropertyName("finish")] string Finish);

public sealed record SnapTransactionDetails(
    [property: JsonPropertyName("order_id")] string OrderId,
    [property: JsonPropertyName("gross_amount")] long GrossAmount);

public sealed record SnapCustomerDetails(
    [property: JsonPropertyName("first_name")] string FirstName,
    [property: JsonPropertyName("email")] string Email);

public sealed record SnapItem(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("price")] long Price,
    [property: JsonPropertyName("quantity")] int Quantity,
    [property: JsonPropertyName("name")] string Name);

public sealed record SnapExpiry(
    [property: JsonPropertyName("start_time")] string StartTime,
    [property: JsonPropertyName("unit")] string Unit,
    [property: JsonPropertyName("duration")] int Duration);

public sealed record SnapResponse(
    [property: JsonPropertyName("token")] string? Token,
    [property: JsonPropertyName("redirect_url")] string? RedirectUrl);

public sealed class MidtransGateway(MidtransClient client, IOptions<MidtransOptions> options) : IPaymentGateway
{
    // Midtrans caps item names at 50 characters.
    private const int MaxItemName = 50;

    public string Provider => PaymentProviders.Midtrans;

    public async Task<PaymentSession> CreateAsync(PaymentRequest request, CancellationToken cancellationToken)
    {
        var itemName = request.ItemName.Length > MaxItemName ? request.ItemName[..MaxItemName] : request.ItemName;
        var body = new SnapRequest(
            new SnapTransactionDetails(request.OrderId, request.Amount),
            new SnapCustomerDetails(request.CustomerName, request.CustomerEmail),
            [new SnapItem("consultation", request.Amount, 1, itemName)],
            new SnapExpiry(
                // Midtrans' format: "yyyy-MM-dd HH:mm:ss +0700"; UTC is as good as any zone.
                request.CreatedAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " +0000",
                "minute",
                Math.Max(1, (int)Math.Ceiling(request.Expiry.TotalMinutes))),
            new SnapCallbacks(request.ReturnUrl.ToString()));
        var snap = await client.CreateTransactionAsync(body, cancellationToken);
        return new PaymentSession(snap.Token, snap.RedirectUrl!);
    }

    public Task<MidtransNotification?> GetStatusAsync(string orderId, CancellationToken cancellationToken) =>
        client.GetStatusAsync(orderId, cancellationToken);

    public bool HasValidSignature(MidtransNotification notification) =>
        MidtransSignature.IsValid(notification, options.Value.ServerKey!);

    public Task<RefundAnswer> RefundAsync(RefundRequest request, CancellationToken cancellationToken) =>
        client.RefundAsync(request, cancellationToken);

    public Task<bool> CancelAsync(string orderId, CancellationToken cancellationToken) =>
        client.CancelAsync(orderId, cancellationToken);
}
