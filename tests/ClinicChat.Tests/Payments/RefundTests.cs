using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClinicChat.Payments;
using ClinicChat.Tests.Consultations;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;
using Dapper;

namespace ClinicChat.Tests.Payments;

/// <summary>Refunds through the fake Midtrans' documented refund API, and refund notifications through the verified webhook path.</summary>
public sealed class RefundTests(MidtransApp app) : IClassFixture<MidtransApp>
{
    private const long Fee = 150_000;

    private FakeMidtrans Midtrans => app.Midtrans;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Booked and paid through the webhook.</summary>
    private async Task<(ConsultationView Consultation, TestUser Patient, TestUser Doctor)> PaidAsync()
    {
        var doctor = await app.CreateDoctorAsync(Fee);
        var patient = await app.RegisterPatientAsync("Budi Pasien");
        var booked = await ConsultationApp.BookAsync(patient, doctor.Id);
        Midtrans.SetStatus(booked.Payment!.OrderId, "settlement");
        await (await app.NotifyAsync(Midtrans.NotificationJson(booked.Payment.OrderId, "settlement", "accept", FakeMidtrans.Amount(Fee)))).EnsureSuccessAsync();
        return (booked, patient, doctor);
    }

    /// <summary>Paid and then declined by the doctor: a refund is due.</summary>
    private async Task<(ConsultationView Consultation, TestUser Patient, TestUser Doctor)> RefundDueAsync()
    {
        var (booked, patient, doctor) = await PaidAsync();
        await (await doctor.Http.PostAsync($"/api/v1/consultations/{booked.Id}/decline", null, Ct)).EnsureSuccessAsync();
        var declined = await ConsultationApp.GetAsync(patient, booked.Id);
        Assert.True(declined.RefundDue);
        return (declined, patient, doctor);
    }

    private async Task<HttpResponseMessage> RefundAsync(Guid id, TestUser? as_ = null) =>
        await (as_ ?? await app.AdminAsync()).Http.PostAsync($"/api/v1/consultations/{id}/refund", null, Ct);

    private async Task<List<(string RefundKey, string Status)>> AttemptsAsync(Guid id)
    {
        await using var db = app.OpenDatabase();
        return (await db.QueryAsync<(string, string)>("select refund_key, status from refunds where consultation_id = @Id order by created_at", new { Id = id })).AsList();
    }

    private List<FakeMidtrans.Refund> RefundsOf(ConsultationView c) => [.. Midtrans.Refunds.Where(r => r.OrderId == c.Payment!.OrderId)];

    [Fact]
    public async Task AnAdminRefundsThroughMidtransAndBothPartiesAreTold()
    {
        var (due, patient, doctor) = await RefundDueAsync();
        await using var patientHub = await app.ConnectHubAsync(patient);
        await using var doctorHub = await app.ConnectHubAsync(doctor);

        var response = await RefundAsync(due.Id);

        await response.EnsureSuccessAsync();
        var refunded = (await response.Content.ReadFromJsonAsync<ConsultationView>(Ct))!;
        Assert.False(refunded.RefundDue);
        Assert.Equal("succeeded", refunded.Refund!.Status);
        Assert.Equal(Fee, refunded.Refund.Amount);
        Assert.Equal(app.Clock.GetUtcNow(), refunded.Refund.RefundedAt);
        Assert.Equal("refunded", refunded.Payment!.Status);
        var sent = Assert.Single(Midtrans.RefundRequests, r => r["refund_key"]!.GetValue<string>() == refunded.Refund.Key);
        Assert.Equal(Fee, sent["amount"]!.GetValue<long>());
        Assert.False(string.IsNullOrWhiteSpace(sent["reason"]!.GetValue<string>()));
        Assert.Single(RefundsOf(due));
        Assert.Equal("refund", Midtrans.Find(due.Payment!.OrderId)!.TransactionStatus);
        Assert.Contains(Refunds.NoteText, await app.SystemMessagesAsync(due.ConversationId!.Value));
        await patientHub.NextMatchingAsync<JsonElement>("consultationUpdated", e => e.GetProperty("id").GetGuid() == due.Id && !e.GetProperty("refundDue").GetBoolean());
        await doctorHub.NextMatchingAsync<JsonElement>("consultationUpdated", e => e.GetProperty("id").GetGuid() == due.Id && !e.GetProperty("refundDue").GetBoolean());
        await using var db = app.OpenDatabase();
        Assert.Equal(1, await db.ExecuteScalarAsync<int>(
            "select count(*) from audit_log where action = 'refund.succeeded' and target_id = @Id", new { Id = due.Id.ToString() }));

        var again = await RefundAsync(due.Id);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("refund.not_due", (await again.ProblemAsync()).GetProperty("code").GetString());
        Assert.Single(RefundsOf(due));
    }

    [Fact]
    public async Task ARetryAfterALostAnswerSendsTheSameKeyAndNeverRefundsTwice()
    {
        var (due, _, _) = await RefundDueAsync();
        Midtrans.LoseRefundAnswers = true;
        HttpResponseMessage lost;
        try
        {
            lost = await RefundAsync(due.Id);
        }
        finally
        {
            Midtrans.LoseRefundAnswers = false;
        }

        Assert.Equal(HttpStatusCode.BadGateway, lost.StatusCode);
        Assert.Equal("payment.gateway_unavailable", (await lost.ProblemAsync()).GetProperty("code").GetString());
        var pending = Assert.Single(await AttemptsAsync(due.Id));
        Assert.Equal("pending", pending.Status);
        var stillDue = await ConsultationApp.GetAsync(await app.AdminAsync(), due.Id);
        Assert.True(stillDue.RefundDue);
        Assert.Equal(new RefundView("pending", Fee, null, pending.RefundKey), stillDue.Refund);

        var retry = await RefundAsync(due.Id);

        await retry.EnsureSuccessAsync();
        Assert.Equal(2, Midtrans.RefundRequests.Count(r => r["refund_key"]!.GetValue<string>() == pending.RefundKey));
        Assert.Single(RefundsOf(due));
        Assert.Equal([(pending.RefundKey, "succeeded")], await AttemptsAsync(due.Id));
    }

    [Fact]
    public async Task AGatewayThatIsDownLeavesTheRefundDueAndNothingHalfWritten()
    {
        var (due, _, _) = await RefundDueAsync();
        Midtrans.Down = true;
        HttpResponseMessage response;
        try
        {
            response = await RefundAsync(due.Id);
        }
        finally
        {
            Midtrans.Down = false;
        }

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Equal("payment.gateway_unavailable", problem.GetProperty("code").GetString());
        var after = await ConsultationApp.GetAsync(await app.AdminAsync(), due.Id);
        Assert.True(after.RefundDue);
        Assert.Equal("paid", after.Payment!.Status);
        Assert.Equal(problem.GetProperty("refundKey").GetString(), Assert.Single(await AttemptsAsync(due.Id)).RefundKey);
        Assert.Empty(RefundsOf(due));
        Assert.DoesNotContain(Refunds.NoteText, await app.SystemMessagesAsync(due.ConversationId!.Value));
    }

    [Fact]
    public async Task ARefusedRefundStaysDueAndTheNextAttemptGetsANewKey()
    {
        var (due, _, _) = await RefundDueAsync();
        Midtrans.RefuseRefundWith = "412";
        HttpResponseMessage refused;
        try
        {
            refused = await RefundAsync(due.Id);
        }
        finally
        {
            Midtrans.RefuseRefundWith = null;
        }

        Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
        var problem = await refused.ProblemAsync();
        Assert.Equal("refund.refused", problem.GetProperty("code").GetString());
        Assert.Equal("412", problem.GetProperty("gatewayStatusCode").GetString());
        Assert.True((await ConsultationApp.GetAsync(await app.AdminAsync(), due.Id)).RefundDue);

        await (await RefundAsync(due.Id)).EnsureSuccessAsync();

        var attempts = await AttemptsAsync(due.Id);
        Assert.Equal(["failed", "succeeded"], attempts.Select(a => a.Status));
        Assert.NotEqual(attempts[0].RefundKey, attempts[1].RefundKey);
        Assert.Single(RefundsOf(due));
    }

    [Fact]
    public async Task AGatewayReportingAnotherAmountLeavesTheRefundPendingForAPerson()
    {
        var (due, _, _) = await RefundDueAsync();
        Midtrans.RefundAmountOverride = 100_000;
        HttpResponseMessage response;
        try
        {
            response = await RefundAsync(due.Id);
        }
        finally
        {
            Midtrans.RefundAmountOverride = null;
        }

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("refund.amount_mismatch", (await response.ProblemAsync()).GetProperty("code").GetString());
        var after = await ConsultationApp.GetAsync(await app.AdminAsync(), due.Id);
        Assert.True(after.RefundDue);
        Assert.Equal("pending", after.Refund!.Status);
    }

    [Fact]
    public async Task AVerifiedRefundNotificationCompletesThePendingAttempt()
    {
        var (due, _, _) = await RefundDueAsync();
        Midtrans.LoseRefundAnswers = true;
        try
        {
            Assert.Equal(HttpStatusCode.BadGateway, (await RefundAsync(due.Id)).StatusCode);
        }
        finally
        {
            Midtrans.LoseRefundAnswers = false;
        }

        var key = Assert.Single(await AttemptsAsync(due.Id)).RefundKey;
        var orderId = due.Payment!.OrderId;
        var forged = await app.NotifyAsync(Midtrans.NotificationJson(orderId, "refund", null, FakeMidtrans.Amount(Fee), signature: new string('0', 128)));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal("pending", (await ConsultationApp.GetAsync(await app.AdminAsync(), due.Id)).Refund!.Status);

        var body = Midtrans.NotificationJson(orderId, "refund", null, FakeMidtrans.Amount(Fee));
        await (await app.NotifyAsync(body)).EnsureSuccessAsync();
        await (await app.NotifyAsync(body)).EnsureSuccessAsync();

        var after = await ConsultationApp.GetAsync(await app.AdminAsync(), due.Id);
        Assert.False(after.RefundDue);
        Assert.Equal(new RefundView("succeeded", Fee, app.Clock.GetUtcNow(), key), after.Refund);
        Assert.Single(await app.SystemMessagesAsync(due.ConversationId!.Value), m => m == Refunds.NoteText);
    }

    [Fact]
    public async Task ARefundMadeInTheDashboardIsRecordedFromItsNotification()
    {
        var (due, _, _) = await RefundDueAsync();
        var orderId = due.Payment!.OrderId;
        Midtrans.SetStatus(orderId, "refund");

        await (await app.NotifyAsync(Midtrans.NotificationJson(orderId, "refund", null, FakeMidtrans.Amount(Fee)))).EnsureSuccessAsync();

        var after = await ConsultationApp.GetAsync(await app.AdminAsync(), due.Id);
        Assert.False(after.RefundDue);
        Assert.Equal("succeeded", after.Refund!.Status);
        Assert.StartsWith("gw-", after.Refund.Key);
        Assert.Equal("refunded", after.Payment!.Status);
    }

    [Fact]
    public async Task ARefundNotificationTheStatusApiDoesNotConfirmChangesNothing()
    {
        var (due, _, _) = await RefundDueAsync();

        // The body claims a refund; the status API still says settlement.
        await (await app.NotifyAsync(Midtrans.NotificationJson(due.Payment!.OrderId, "refund", null, FakeMidtrans.Amount(Fee)))).EnsureSuccessAsync();

        var after = await ConsultationApp.GetAsync(await app.AdminAsync(), due.Id);
        Assert.True(after.RefundDue);
        Assert.Null(after.Refund);
    }

    [Fact]
    public async Task APatientCancellingAnUnpaidBookingCancelsItsSnapTransaction()
    {
        var doctor = await app.CreateDoctorAsync(Fee);
        var patient = await app.RegisterPatientAsync();
        var booked = await ConsultationApp.BookAsync(patient, doctor.Id);

        var response = await patient.Http.PostAsync($"/api/v1/consultations/{booked.Id}/cancel", null, Ct);

        await response.EnsureSuccessAsync();
        Assert.Equal("cancelled", (await response.Content.ReadFromJsonAsync<ConsultationView>(Ct))!.Status);
        Assert.Contains(booked.Payment!.OrderId, Midtrans.CancelRequests);
        Assert.Equal("cancel", Midtrans.Find(booked.Payment.OrderId)!.TransactionStatus);
    }

    [Fact]
    public async Task APaymentThatSettledBeforeTheCancelReachedMidtransIsOwedBack()
    {
        var doctor = await app.CreateDoctorAsync(Fee);
        var patient = await app.RegisterPatientAsync();
        var booked = await ConsultationApp.BookAsync(patient, doctor.Id);
        var orderId = booked.Payment!.OrderId;
        Midtrans.SetStatus(orderId, "settlement");

        await (await patient.Http.PostAsync($"/api/v1/consultations/{booked.Id}/cancel", null, Ct)).EnsureSuccessAsync();
        await (await app.NotifyAsync(Midtrans.NotificationJson(orderId, "settlement", "accept", FakeMidtrans.Amount(Fee)))).EnsureSuccessAsync();

        var after = await ConsultationApp.GetAsync(patient, booked.Id);
        Assert.Equal(("cancelled", true), (after.Status, after.RefundDue));
        await (await RefundAsync(booked.Id)).EnsureSuccessAsync();
        Assert.Single(Midtrans.Refunds, r => r.OrderId == orderId);
    }

    [Fact]
    public async Task OnlyAdminsMayRefundAndOnlyWhatIsDue()
    {
        var (due, patient, doctor) = await RefundDueAsync();
        var other = await app.RegisterPatientAsync("Orang Lain");

        foreach (var caller in new[] { patient, doctor, other })
        {
            var refused = await RefundAsync(due.Id, caller);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("auth.forbidden", (await refused.ProblemAsync()).GetProperty("code").GetString());
        }

        Assert.Equal(HttpStatusCode.NotFound, (await RefundAsync(Guid.NewGuid())).StatusCode);
        var (paid, _, _) = await PaidAsync();
        var notDue = await RefundAsync(paid.Id);
        Assert.Equal(HttpStatusCode.Conflict, notDue.StatusCode);
        Assert.Equal("refund.not_due", (await notDue.ProblemAsync()).GetProperty("code").GetString());
        Assert.Empty(RefundsOf(due));
    }

    [Fact]
    public async Task TheAdminRefundListShowsWhatIsDueAndThenTheHistory()
    {
        var (due, patient, _) = await RefundDueAsync();
        var admin = await app.AdminAsync();

        var dueList = await admin.Http.GetFromJsonAsync<List<ConsultationView>>("/api/v1/admin/refunds?status=due", Ct);
        Assert.Contains(dueList!, c => c.Id == due.Id);
        await (await RefundAsync(due.Id)).EnsureSuccessAsync();

        Assert.DoesNotContain((await admin.Http.GetFromJsonAsync<List<ConsultationView>>("/api/v1/admin/refunds", Ct))!, c => c.Id == due.Id);
        var done = await admin.Http.GetFromJsonAsync<List<ConsultationView>>("/api/v1/admin/refunds?status=done", Ct);
        Assert.Equal("succeeded", done!.Single(c => c.Id == due.Id).Refund!.Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await patient.Http.GetAsync("/api/v1/admin/refunds", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.Http.GetAsync("/api/v1/admin/refunds?status=maybe", Ct)).StatusCode);
    }
}
