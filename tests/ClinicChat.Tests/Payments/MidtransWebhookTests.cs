using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClinicChat.Tests.Consultations;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;
using Dapper;

namespace ClinicChat.Tests.Payments;

/// <summary>Midtrans mode against the fake Midtrans on loopback: Snap create, webhook, status re-check.</summary>
public sealed class MidtransWebhookTests(MidtransApp app) : IClassFixture<MidtransApp>
{
    private FakeMidtrans Midtrans => app.Midtrans;

    private async Task<(ConsultationView Booked, TestUser Patient, TestUser Doctor)> BookAsync(long fee = 150_000)
    {
        var doctor = await app.CreateDoctorAsync(fee);
        var patient = await app.RegisterPatientAsync("Budi Pasien");
        return (await ConsultationApp.BookAsync(patient, doctor.Id), patient, doctor);
    }

    private async Task<string> StatusAsync(Guid id)
    {
        await using var db = app.OpenDatabase();
        return await db.QuerySingleAsync<string>("select status from consultations where id = @Id", new { Id = id });
    }

    private async Task<int> NotificationsStoredAsync(string orderId)
    {
        await using var db = app.OpenDatabase();
        return await db.ExecuteScalarAsync<int>("select count(*) from payment_notifications where order_id = @OrderId", new { OrderId = orderId });
    }

    [Fact]
    public async Task BookingCreatesASnapTransactionAsDocumented()
    {
        var (booked, _, _) = await BookAsync(fee: 250_000);

        Assert.Equal("midtrans", booked.Payment!.Provider);
        Assert.Equal($"tok-{booked.Payment.OrderId}", booked.Payment.Token);
        Assert.Equal($"https://app.sandbox.midtrans.test/snap/v4/redirection/tok-{booked.Payment.OrderId}", booked.Payment.RedirectUrl);
        var request = Midtrans.CreateRequests.Single(r => r["transaction_details"]!["order_id"]!.GetValue<string>() == booked.Payment.OrderId);
        Assert.Equal(250_000, request["transaction_details"]!["gross_amount"]!.GetValue<long>());
        Assert.Equal("Budi Pasien", request["customer_details"]!["first_name"]!.GetValue<string>());
        Assert.Equal(250_000, request["item_details"]![0]!["price"]!.GetValue<long>());
        Assert.Equal(1, request["item_details"]![0]!["quantity"]!.GetValue<int>());
        Assert.Equal("minute", request["expiry"]!["unit"]!.GetValue<string>());
        Assert.Equal(15, request["expiry"]!["duration"]!.GetValue<int>());
        Assert.Equal(new Uri(app.BaseAddress, $"/consultations/{booked.Id}").ToString(), request["callbacks"]!["finish"]!.GetValue<string>());
    }

    [Fact]
    public async Task SettlementThroughTheWebhookPaysAndIsIdempotent()
    {
        var (booked, patient, doctor) = await BookAsync();
        var orderId = booked.Payment!.OrderId;
        await using var doctorHub = await app.ConnectHubAsync(doctor);
        Midtrans.SetStatus(orderId, "settlement");
        var body = Midtrans.NotificationJson(orderId, "settlement", "accept", FakeMidtrans.Amount(150_000));

        var first = await app.NotifyAsync(body);
        var repeat = await app.NotifyAsync(body);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        var paid = await ConsultationApp.GetAsync(patient, booked.Id);
        Assert.Equal("paid", paid.Status);
        Assert.Equal("paid", paid.Payment!.Status);
        await doctorHub.NextMatchingAsync<JsonElement>("consultationRequested", e => e.GetProperty("id").GetGuid() == booked.Id);
        await using var db = app.OpenDatabase();
        Assert.Equal(1, await db.ExecuteScalarAsync<int>(
            "select count(*) from conversations c join conversation_members m on m.conversation_id = c.id where c.id = @Id", new { Id = paid.ConversationId }) / 2);
        Assert.Equal(2, await NotificationsStoredAsync(orderId));

        // The doctor accepts as in simulated mode.
        await (await doctor.Http.PostAsync($"/api/v1/consultations/{booked.Id}/accept", null, TestContext.Current.CancellationToken)).EnsureSuccessAsync();
        await app.NotifyAsync(body);
        Assert.Equal("active", await StatusAsync(booked.Id));
    }

    [Fact]
    public async Task ForgedSignatureChangesNothingAndLeaksNothing()
    {
        var (booked, _, _) = await BookAsync();
        var orderId = booked.Payment!.OrderId;
        Midtrans.SetStatus(orderId, "settlement");
        var forgedSignature = new string('a', 128);

        var forged = await app.NotifyAsync(Midtrans.NotificationJson(orderId, "settlement", "accept", FakeMidtrans.Amount(150_000), forgedSignature));

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal("awaiting_payment", await StatusAsync(booked.Id));
        Assert.Equal(0, await NotificationsStoredAsync(orderId));
        Assert.Contains(app.Logs.Lines, l => l.Contains("Forged", StringComparison.Ordinal) && l.Contains(orderId, StringComparison.Ordinal));
        Assert.DoesNotContain(app.Logs.Lines, l => l.Contains(Midtrans.ServerKey, StringComparison.Ordinal) || l.Contains(forgedSignature, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TamperedAmountChangesNothing()
    {
        var (booked, _, _) = await BookAsync();
        var orderId = booked.Payment!.OrderId;

        // Amount edited after signing: the signature no longer matches.
        var honest = Midtrans.Sign(orderId, "200", FakeMidtrans.Amount(150_000));
        Midtrans.SetStatus(orderId, "settlement");
        var edited = await app.NotifyAsync(Midtrans.NotificationJson(orderId, "settlement", "accept", FakeMidtrans.Amount(1_000), honest));
        Assert.Equal(HttpStatusCode.Unauthorized, edited.StatusCode);

        // Correctly signed, and the gateway agrees, but it is not what was booked.
        Midtrans.SetStatus(orderId, "settlement", grossAmount: 1_000);
        var cheap = await app.NotifyAsync(Midtrans.NotificationJson(orderId, "settlement", "accept", FakeMidtrans.Amount(1_000)));
        Assert.Equal(HttpStatusCode.OK, cheap.StatusCode);

        // The notification carries the right amount but the gateway knows a different one.
        var mismatch = await app.NotifyAsync(Midtrans.NotificationJson(orderId, "settlement", "accept", FakeMidtrans.Amount(150_000)));
        Assert.Equal(HttpStatusCode.OK, mismatch.StatusCode);

        Assert.Equal("awaiting_payment", await StatusAsync(booked.Id));
    }

    [Fact]
    public async Task TheStatusApiNotTheNotificationDecides()
    {
        var (booked, _, _) = await BookAsync();
        var orderId = booked.Payment!.OrderId;
        // Correctly signed "settlement" (say, replayed or premature) while Midtrans still says pending.
        var response = await app.NotifyAsync(Midtrans.NotificationJson(orderId, "settlement", "accept", FakeMidtrans.Amount(150_000)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("awaiting_payment", await StatusAsync(booked.Id));
    }

    [Fact]
    public async Task UnknownOrderIsAcknowledgedAndStoredButChangesNothing()
    {
        var orderId = "cc-" + Guid.NewGuid().ToString("N");
        Midtrans.SetStatus(orderId, "settlement", grossAmount: 150_000);

        var response = await app.NotifyAsync(Midtrans.NotificationJson(orderId, "settlement", "accept", FakeMidtrans.Amount(150_000)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await NotificationsStoredAsync(orderId));
        await using var db = app.OpenDatabase();
        Assert.Equal("unknown_order", await db.QuerySingleAsync<string>("select outcome from payment_notifications where order_id = @OrderId", new { OrderId = orderId }));
    }

    [Fact]
    public async Task MalformedBodiesAreRejectedAndNotStored()
    {
        var before = await CountAllNotificationsAsync();

        var notJson = await app.NotifyAsync("{not json");
        var missing = await app.NotifyAsync("""{"order_id":"cc-x"}""");

        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(before, await CountAllNotificationsAsync());
    }

    private async Task<int> CountAllNotificationsAsync()
    {
        await using var db = app.OpenDatabase();
        return await db.ExecuteScalarAsync<int>("select count(*) from payment_notifications");
    }

    [Fact]
    public async Task OutOfOrderNotificationsNeverMoveStateBackwards()
    {
        var (booked, _, _) = await BookAsync();
        var orderId = booked.Payment!.OrderId;
        Midtrans.SetStatus(orderId, "settlement");
        await (await app.NotifyAsync(Midtrans.NotificationJson(orderId, "settlement", "accept", FakeMidtrans.Amount(150_000)))).EnsureSuccessAsync();

        foreach (var late in new[] { "pending", "expire", "deny", "cancel", "failure" })
        {
            Midtrans.SetStatus(orderId, late);
            Assert.Equal(HttpStatusCode.OK, (await app.NotifyAsync(Midtrans.NotificationJson(orderId, late, null, FakeMidtrans.Amount(150_000)))).StatusCode);
        }

        Assert.Equal("paid", await StatusAsync(booked.Id));
    }

    [Fact]
    public async Task CaptureIsPaidOnlyWhenTheFraudCheckAccepts()
    {
        var (booked, _, _) = await BookAsync();
        var orderId = booked.Payment!.OrderId;

        Midtrans.SetStatus(orderId, "capture", "challenge");
        Assert.Equal(HttpStatusCode.OK, (await app.NotifyAsync(Midtrans.NotificationJson(orderId, "capture", "challenge", FakeMidtrans.Amount(150_000)))).StatusCode);
        Assert.Equal("awaiting_payment", await StatusAsync(booked.Id));

        Midtrans.SetStatus(orderId, "capture", "accept");
        Assert.Equal(HttpStatusCode.OK, (await app.NotifyAsync(Midtrans.NotificationJson(orderId, "capture", "accept", FakeMidtrans.Amount(150_000)))).StatusCode);
        Assert.Equal("paid", await StatusAsync(booked.Id));
    }

    [Fact]
    public async Task DenyCancelsTheBooking()
    {
        var (booked, patient, _) = await BookAsync();
        var orderId = booked.Payment!.OrderId;
        Midtrans.SetStatus(orderId, "deny");

        await (await app.NotifyAsync(Midtrans.NotificationJson(orderId, "deny", "deny", FakeMidtrans.Amount(150_000)))).EnsureSuccessAsync();

        var cancelled = await ConsultationApp.GetAsync(patient, booked.Id);
        Assert.Equal("cancelled", cancelled.Status);
        Assert.Equal("payment_failed", cancelled.CancelReason);
        Assert.Equal("failed", cancelled.Payment!.Status);

        // A settlement after a failure is money actually taken: kept as paid, owed back, booking stays cancelled.
        Midtrans.SetStatus(orderId, "settlement");
        await (await app.NotifyAsync(Midtrans.NotificationJson(orderId, "settlement", "accept", FakeMidtrans.Amount(150_000)))).EnsureSuccessAsync();
        var refund = await ConsultationApp.GetAsync(patient, booked.Id);
        Assert.Equal("cancelled", refund.Status);
        Assert.True(refund.RefundDue);
        Assert.Equal("paid", refund.Payment!.Status);
    }

    [Fact]
    public async Task StatusApiDownAsksMidtransToRetry()
    {
        var (booked, _, _) = await BookAsync();
        var orderId = booked.Payment!.OrderId;
        Midtrans.SetStatus(orderId, "settlement");
        var body = Midtrans.NotificationJson(orderId, "settlement", "accept", FakeMidtrans.Amount(150_000));

        Midtrans.Down = true;
        HttpResponseMessage whileDown;
        try
        {
            whileDown = await app.NotifyAsync(body);
        }
        finally
        {
            Midtrans.Down = false;
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, whileDown.StatusCode);
        Assert.Equal("awaiting_payment", await StatusAsync(booked.Id));
        Assert.Equal(HttpStatusCode.OK, (await app.NotifyAsync(body)).StatusCode);
        Assert.Equal("paid", await StatusAsync(booked.Id));
    }

    [Fact]
    public async Task GatewayDownAtBookingAnswers502AndLeavesTheSlotFree()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var start = app.Clock.GetUtcNow() + TimeSpan.FromHours(5);

        Midtrans.Down = true;
        HttpResponseMessage failed;
        try
        {
            failed = await patient.Http.PostAsJsonAsync("/api/v1/consultations", new { doctorId = doctor.Id, startAt = start }, TestContext.Current.CancellationToken);
        }
        finally
        {
            Midtrans.Down = false;
        }

        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Equal("Payment gateway unavailable", (await failed.ProblemAsync()).GetProperty("title").GetString());
        await using (var db = app.OpenDatabase())
        {
            Assert.Equal(0, await db.ExecuteScalarAsync<int>("select count(*) from consultations where doctor_id = @Id", new { doctor.Id }));
        }

        var other = await app.RegisterPatientAsync();
        Assert.Equal("awaiting_payment", (await ConsultationApp.BookAsync(other, doctor.Id, start)).Status);
    }

    [Fact]
    public async Task PaymentArrivingAfterTheWindowClosedIsOwedBack()
    {
        var (booked, patient, _) = await BookAsync();
        var orderId = booked.Payment!.OrderId;
        app.Clock.Advance(ConsultationApp.PaymentTimeout);
        await app.RunDueAsync();
        Assert.Equal("cancelled", await StatusAsync(booked.Id));

        Midtrans.SetStatus(orderId, "settlement");
        await (await app.NotifyAsync(Midtrans.NotificationJson(orderId, "settlement", "accept", FakeMidtrans.Amount(150_000)))).EnsureSuccessAsync();

        var refund = await ConsultationApp.GetAsync(await app.FreshAsync(patient), booked.Id);
        Assert.Equal("cancelled", refund.Status);
        Assert.Equal("payment_timeout", refund.CancelReason);
        Assert.True(refund.RefundDue);
        Assert.Null(refund.ConversationId);
    }
}
