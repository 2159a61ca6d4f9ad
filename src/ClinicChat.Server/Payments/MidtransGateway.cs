using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace ClinicChat.Payments;

/// <summary>Typed client for the two Midtrans endpoints the server uses: Snap create and the v2 status API.</summary>
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
}
