using ClinicChat.Infrastructure;
using System.Net;
using System.Text;
using System.Threading.RateLimiting;
using ClinicChat.Consultations;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClinicChat.Payments;

public static class PaymentEndpoints
{
    /// <summary>The gateway webhook, anonymous by nature: authenticity comes from the signature and the status re-check.</summary>
    public static RouteGroupBuilder MapPaymentWebhooks(this RouteGroupBuilder group)
    {
        group.WithTags("Payments");
        group.MapPost("/midtrans/notification", async Task<Results<Ok, ProblemHttpResult>> (HttpRequest request, PaymentNotifications notifications, CancellationToken ct) =>
        {
            string body;
            using (var reader = new StreamReader(request.Body, Encoding.UTF8))
            {
                var buffer = new char[PaymentNotifications.MaxBodyChars + 1];
                var read = await reader.ReadBlockAsync(buffer, ct);
                if (read > PaymentNotifications.MaxBodyChars)
                {
                    return new Failure("request.too_large", FailureKind.PayloadTooLarge, "The notification is larger than any Midtrans sends.", Title: "Payload too large").ToProblem();
                }

                body = new string(buffer, 0, read);
            }

            return await notifications.HandleAsync(body, ct) switch
            {
                NotificationOutcome.Processed or NotificationOutcome.Ignored => TypedResults.Ok(),
                NotificationOutcome.Malformed => new Failure("payment.notification_malformed", FailureKind.Invalid, "Expected Midtrans notification JSON.", Title: "Malformed notification").ToProblem(),
                NotificationOutcome.Forged => new Failure("payment.signature_invalid", FailureKind.Unauthorized, "signature_key does not match.", Title: "Invalid signature").ToProblem(),
                _ => new Failure("payment.unverified", FailureKind.Unavailable, "The payment could not be verified with the gateway yet.", Title: "Try again later").ToProblem(),
            };
        }).AllowAnonymous().DisableAntiforgery()
            .WithSummary("Receive a Midtrans payment notification")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    /// <summary>
    /// The simulated gateway's checkout page: plain HTML and two forms, no script (the CSP forbids inline
    /// script). Approve/decline marks the simulator's ledger and delivers a signed notification through the
    /// same handler as the Midtrans webhook. Every route needs the checkout token from the patient's redirect URL
    /// (see <see cref="SimulatedGateway"/>); the posts also refuse a browser's cross-site submission.
    /// </summary>
    public static RouteGroupBuilder MapPaymentSimulator(this RouteGroupBuilder group)
    {
        group.ExcludeFromDescription();
        group.MapGet("/{orderId}", async Task<ContentHttpResult> (string orderId, HttpRequest request, IPaymentGateway gateway, NpgsqlDataSource dataSource, CancellationToken ct) =>
        {
            if (gateway is not SimulatedGateway simulator)
            {
                return NotAvailable();
            }

            var token = request.Query[SimulatedGateway.TokenField].ToString();
            if (await FindPayersOrderAsync(simulator, dataSource, orderId, token, ct) is not { } order)
            {
                return InvalidLink();
            }

            var summary = $"""
                <p>Order <code>{Html(order.OrderId)}</code></p>
                <p>{Html(order.ItemName)}: <strong>IDR {order.Amount:N0}</strong></p>
                """;
            if (order.ConsultationStatus != ConsultationStatuses.AwaitingPayment || order.PaymentStatus != PaymentStatuses.Pending)
            {
                return Page(HttpStatusCode.Conflict, "Nothing to pay", summary + $"<p>This booking is {Html(order.ConsultationStatus)}; there is nothing to pay.</p>{ReturnLink(order)}");
            }

            var action = $"{SimulatedGateway.CheckoutPath}/{Uri.EscapeDataString(order.OrderId)}";
            var field = $"""<input type="hidden" name="{SimulatedGateway.TokenField}" value="{Html(token)}">""";
            return Page(HttpStatusCode.OK, "Simulated payment", summary + $"""
                <p>This is the payment simulator. No money moves.</p>
                <form method="post" action="{action}/approve">{field}<button type="submit">Pay IDR {order.Amount:N0}</button></form>
                <form method="post" action="{action}/decline">{field}<button type="submit">Decline</button></form>
                <p><a href="{ConsultationPath(order)}">Not now, back to ClinicChat</a></p>
                """);
        }).AllowAnonymous();

        group.MapPost("/{orderId}/approve", (string orderId, HttpRequest request, IPaymentGateway gateway, NpgsqlDataSource dataSource, PaymentNotifications notifications, CancellationToken ct) =>
            DecideAsync(orderId, approve: true, request, gateway, dataSource, notifications, ct)).AllowAnonymous().DisableAntiforgery();
        group.MapPost("/{orderId}/decline", (string orderId, HttpRequest request, IPaymentGateway gateway, NpgsqlDataSource dataSource, PaymentNotifications notifications, CancellationToken ct) =>
            DecideAsync(orderId, approve: false, request, gateway, dataSource, notifications, ct)).AllowAnonymous().DisableAntiforgery();
        return group;
    }

    private static async Task<ContentHttpResult> DecideAsync(string orderId, bool approve, HttpRequest request, IPaymentGateway gateway, NpgsqlDataSource dataSource, PaymentNotifications notifications, CancellationToken ct)
    {
        if (gateway is not SimulatedGateway simulator)
        {
            return NotAvailable();
        }

        // The token already makes a forged post useless; a browser's cross-site post is refused all the same.
        if (!IsSameOrigin(request))
        {
            return Page(HttpStatusCode.Forbidden, "Not allowed", "<p>Payments can only be confirmed from the checkout page itself.</p>");
        }

        var token = request.HasFormContentType ? (await request.ReadFormAsync(ct))[SimulatedGateway.TokenField].ToString() : null;
        if (await FindPayersOrderAsync(simulator, dataSource, orderId, token, ct) is not { } order)
        {
            return InvalidLink();
        }

        // Only a booking still waiting for its money may be paid: an expired one must not be charged.
        if (order.ConsultationStatus != ConsultationStatuses.AwaitingPayment || order.PaymentStatus != PaymentStatuses.Pending
            || await simulator.DecideAsync(order.OrderId, approve, ct) is not { } notification)
        {
            return Page(HttpStatusCode.Conflict, "Nothing to pay", $"<p>This booking is {Html(order.ConsultationStatus)}; nothing was charged.</p>{ReturnLink(order)}");
        }

        var outcome = await notifications.HandleAsync(System.Text.Json.JsonSerializer.Serialize(notification), ct);
        // The payer came from the web client: send them back to the consultation they just paid (or declined).
        var back = ReturnLink(order);
        return outcome == NotificationOutcome.Processed
            ? Page(HttpStatusCode.OK, approve ? "Payment approved" : "Payment declined",
                approve
                    ? $"<p>Payment received. The doctor has been notified.</p>{back}"
                    : $"<p>The payment was declined and the booking cancelled.</p>{back}")
            : Page(HttpStatusCode.ServiceUnavailable, "Try again", "<p>The payment could not be processed; try again.</p>");
    }

    /// <summary>
    /// A browser says where a form post comes from (Origin, or Sec-Fetch-Site); when it does, it must be this
    /// server. Non-browser clients send neither and are judged by the token alone.
    /// </summary>
    private static bool IsSameOrigin(HttpRequest request)
    {
        // Under "Referrer-Policy: no-referrer" browsers send "Origin: null" even for a same-origin form post; then
        // Sec-Fetch-Site says where the post came from.
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && origin != "null")
        {
            return string.Equals(origin.TrimEnd('/'), $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
        }

        var site = request.Headers["Sec-Fetch-Site"].ToString();
        return site.Length == 0 || site is "same-origin" or "none";
    }

    /// <summary>The order, when the token was issued for it to the patient whose booking it pays; null otherwise.</summary>
    private static async Task<SimulatorView?> FindPayersOrderAsync(SimulatedGateway simulator, NpgsqlDataSource dataSource, string orderId, string? token, CancellationToken ct) =>
        simulator.CheckoutPayer(orderId, token) is { } payer && await FindOrderAsync(dataSource, orderId, ct) is { } order && order.PatientId == payer
            ? order
            : null;

    private static ContentHttpResult NotAvailable() =>
        Page(HttpStatusCode.NotFound, "Not available", "<p>The payment simulator is off: this server uses Midtrans.</p>");

    // One answer for a missing, forged, expired or someone else's token and for an unknown order.
    private static ContentHttpResult InvalidLink() =>
        Page(HttpStatusCode.Forbidden, "Link not valid", "<p>This checkout link is not valid or has expired. Open the payment again from your consultation in ClinicChat.</p>");

    private static async Task<SimulatorView?> FindOrderAsync(NpgsqlDataSource dataSource, string orderId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<SimulatorView>(new CommandDefinition(
            """
            select p.order_id, p.amount, p.status as payment_status, c.status as consultation_status, c.id as consultation_id,
                   'Consultation with ' || d.display_name as item_name, c.patient_id
            from payments p join consultations c on c.id = p.consultation_id join users d on d.id = c.doctor_id
            where p.order_id = @OrderId and p.provider = 'simulated'
            """,
            new { OrderId = orderId }, cancellationToken: ct));
    }

    private const string PageStyle =
        "body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}form{display:inline-block;margin-right:.5rem}button{font-size:1rem;padding:.6rem 1.2rem}";

    private static string Html(string value) => WebUtility.HtmlEncode(value);

    private static ContentHttpResult Page(HttpStatusCode status, string title, string body) => TypedResults.Content(
        $"""
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{Html(title)} - ClinicChat</title>
        <style>{PageStyle}</style></head>
        <body><h1>{Html(title)}</h1>{body}</body>
        </html>
        """, "text/html; charset=utf-8", Encoding.UTF8, (int)status);

    /// <summary>The web client's page of this consultation (a client-side route served by the same process).</summary>
    private static string ConsultationPath(SimulatorView order) => $"/consultations/{order.ConsultationId:D}";

    private static string ReturnLink(SimulatorView order) =>
        $"<p><a href=\"{ConsultationPath(order)}\">Back to your consultation</a></p>";

    private sealed record SimulatorView(string OrderId, long Amount, string PaymentStatus, string ConsultationStatus, Guid ConsultationId, string ItemName, Guid PatientId);
}
