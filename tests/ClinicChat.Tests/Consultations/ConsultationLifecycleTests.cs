using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;

namespace ClinicChat.Tests.Consultations;

/// <summary>Simulated gateway, end to end: book, pay on the checkout page, accept, warning, completion.</summary>
public sealed class ConsultationLifecycleTests(ConsultationApp app) : IClassFixture<ConsultationApp>
{
    [Fact]
    public async Task PatientBooksPaysOnTheSimulatorIsAcceptedWarnedAndCompleted()
    {
        var ct = TestContext.Current.CancellationToken;
        var doctor = await app.CreateDoctorAsync(fee: 150_000);
        var patient = await app.RegisterPatientAsync();
        await using var doctorHub = await app.ConnectHubAsync(doctor);
        await using var patientHub = await app.ConnectHubAsync(patient);

        var booked = await ConsultationApp.BookAsync(patient, doctor.Id);
        Assert.Equal("awaiting_payment", booked.Status);
        Assert.Equal(150_000, booked.Fee);
        Assert.Equal("simulated", booked.Payment!.Provider);
        Assert.Equal("pending", booked.Payment.Status);
        Assert.Equal(app.Clock.GetUtcNow() + ConsultationApp.PaymentTimeout, booked.PayBy);
        Assert.Equal(new Uri(app.BaseAddress, $"/payments/simulator/{booked.Payment.OrderId}?t={ConsultationApp.CheckoutToken(booked.Payment)}"), new Uri(booked.Payment.RedirectUrl!));

        // The checkout page: plain HTML, two forms, no script.
        var page = await app.CreateAnonymousClient().GetAsync(booked.Payment.RedirectUrl, ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        var html = await page.Content.ReadAsStringAsync(ct);
        Assert.Contains($"action=\"/payments/simulator/{booked.Payment.OrderId}/approve\"", html, StringComparison.Ordinal);
        Assert.Contains("/decline\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);

        var approve = await app.SimulatorAsync(booked.Payment, "approve");
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);

        var requested = await doctorHub.NextMatchingAsync<JsonElement>("consultationRequested", e => e.GetProperty("id").GetGuid() == booked.Id);
        Assert.Equal("paid", requested.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, requested.GetProperty("payment").GetProperty("redirectUrl").ValueKind);
        await patientHub.NextMatchingAsync<JsonElement>("consultationUpdated", e => e.GetProperty("status").GetString() == "paid");
        var paid = await ConsultationApp.GetAsync(patient, booked.Id);
        Assert.Equal("paid", paid.Status);
        Assert.Equal("paid", paid.Payment!.Status);
        Assert.NotNull(paid.ConversationId);
        Assert.Equal("read_only", await app.ConversationStatusAsync(paid.ConversationId!.Value));

        // A paid checkout page cannot be paid again.
        Assert.Equal(HttpStatusCode.Conflict, (await app.SimulatorAsync(booked.Payment, "approve")).StatusCode);

        var acceptResponse = await doctor.Http.PostAsync($"/api/v1/consultations/{booked.Id}/accept", null, ct);
        await acceptResponse.EnsureSuccessAsync();
        var active = (await acceptResponse.Content.ReadFromJsonAsync<ConsultationView>(ct))!;
        var acceptedAt = app.Clock.GetUtcNow();
        Assert.Equal("active", active.Status);
        Assert.Equal(acceptedAt, active.StartsAt);
        Assert.Equal(acceptedAt + ConsultationApp.Duration, active.EndsAt);
        Assert.Equal(1800, active.RemainingSeconds);
        Assert.Equal("open", await app.ConversationStatusAsync(active.ConversationId!.Value));
        await patientHub.NextMatchingAsync<JsonElement>("consultationUpdated", e => e.GetProperty("status").GetString() == "active");
        await doctorHub.NextMatchingAsync<JsonElement>("consultationUpdated", e => e.GetProperty("status").GetString() == "active");

        app.Clock.Advance(TimeSpan.FromMinutes(10));
        var beforeWarning = await ConsultationApp.GetAsync(patient, booked.Id);
        Assert.Equal(1200, beforeWarning.RemainingSeconds);
        Assert.Null(beforeWarning.WarnedAt);

        // The background scheduler runs on the fake clock's timer: no direct call, no sleep.
        app.Clock.Advance(TimeSpan.FromMinutes(15));
        var patientWarning = await patientHub.NextAsync<JsonElement>("consultationExpiring");
        Assert.Equal(booked.Id, patientWarning.GetProperty("id").GetGuid());
        Assert.Equal(300, patientWarning.GetProperty("remainingSeconds").GetInt64());
        await doctorHub.NextAsync<JsonElement>("consultationExpiring");
        Assert.Contains("This consultation ends in 5 minutes.", await app.SystemMessagesAsync(active.ConversationId.Value));
        Assert.NotNull((await ConsultationApp.GetAsync(await app.FreshAsync(patient), booked.Id)).WarnedAt);

        app.Clock.Advance(TimeSpan.FromMinutes(5));
        await patientHub.NextMatchingAsync<JsonElement>("consultationUpdated", e => e.GetProperty("status").GetString() == "completed");
        await doctorHub.NextMatchingAsync<JsonElement>("consultationUpdated", e => e.GetProperty("status").GetString() == "completed");
        var completed = await ConsultationApp.GetAsync(await app.FreshAsync(doctor), booked.Id);
        Assert.Equal("completed", completed.Status);
        Assert.Equal(0, completed.RemainingSeconds);
        Assert.Equal("read_only", await app.ConversationStatusAsync(active.ConversationId.Value));
        Assert.Equal(
            ["Consultation started.", "This consultation ends in 5 minutes.", "Consultation ended. This chat is now read-only."],
            await app.SystemMessagesAsync(active.ConversationId.Value));

        // Later runs change nothing: the warning and the end happen once.
        app.Clock.Advance(TimeSpan.FromMinutes(10));
        await app.RunDueAsync();
        Assert.Equal(3, (await app.SystemMessagesAsync(active.ConversationId.Value)).Count);
    }

    [Fact]
    public async Task DecliningOnTheSimulatorCancelsWithoutRefundAndFreesTheSlot()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var booked = await ConsultationApp.BookAsync(patient, doctor.Id);

        Assert.Equal(HttpStatusCode.OK, (await app.SimulatorAsync(booked.Payment!, "decline")).StatusCode);

        var cancelled = await ConsultationApp.GetAsync(patient, booked.Id);
        Assert.Equal("cancelled", cancelled.Status);
        Assert.Equal("payment_failed", cancelled.CancelReason);
        Assert.False(cancelled.RefundDue);
        Assert.Equal("failed", cancelled.Payment!.Status);
        Assert.Null(cancelled.ConversationId);
        Assert.Equal("awaiting_payment", (await ConsultationApp.BookAsync(patient, doctor.Id)).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await app.SimulatorAsync(booked.Payment!, "approve")).StatusCode);
    }

    [Fact]
    public async Task DoctorDeclineCancelsForRefund()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var booked = await ConsultationApp.BookAsync(patient, doctor.Id);
        await (await app.SimulatorAsync(booked.Payment!, "approve")).EnsureSuccessAsync();

        var response = await doctor.Http.PostAsync($"/api/v1/consultations/{booked.Id}/decline", null, TestContext.Current.CancellationToken);

        await response.EnsureSuccessAsync();
        var declined = await ConsultationApp.GetAsync(patient, booked.Id);
        Assert.Equal("cancelled", declined.Status);
        Assert.Equal("declined", declined.CancelReason);
        Assert.True(declined.RefundDue);
        Assert.Equal("read_only", await app.ConversationStatusAsync(declined.ConversationId!.Value));
    }

    [Fact]
    public async Task PaidConsultationNobodyAcceptsIsCancelledForRefund()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var booked = await ConsultationApp.BookAsync(patient, doctor.Id);
        await (await app.SimulatorAsync(booked.Payment!, "approve")).EnsureSuccessAsync();
        var paid = await ConsultationApp.GetAsync(patient, booked.Id);
        Assert.Equal(app.Clock.GetUtcNow() + ConsultationApp.AcceptTimeout, paid.AcceptBy);

        app.Clock.Advance(ConsultationApp.AcceptTimeout - TimeSpan.FromSeconds(1));
        await app.RunDueAsync();
        Assert.Equal("paid", (await ConsultationApp.GetAsync(patient, booked.Id)).Status);

        app.Clock.Advance(TimeSpan.FromSeconds(1));
        await app.RunDueAsync();
        var cancelled = await ConsultationApp.GetAsync(patient, booked.Id);
        Assert.Equal("cancelled", cancelled.Status);
        Assert.Equal("accept_timeout", cancelled.CancelReason);
        Assert.True(cancelled.RefundDue);

        var late = await doctor.Http.PostAsync($"/api/v1/consultations/{booked.Id}/accept", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Contains("cancelled", (await late.ProblemAsync()).GetProperty("detail").GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnpaidBookingExpiresAndFreesTheSlot()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var other = await app.RegisterPatientAsync();
        var start = app.Clock.GetUtcNow() + TimeSpan.FromHours(2);
        var booked = await ConsultationApp.BookAsync(patient, doctor.Id, start);
        Assert.Equal(HttpStatusCode.Conflict, (await other.Http.PostAsJsonAsync("/api/v1/consultations", new { doctorId = doctor.Id, startAt = start }, TestContext.Current.CancellationToken)).StatusCode);

        app.Clock.Advance(ConsultationApp.PaymentTimeout);
        await app.RunDueAsync();
        patient = await app.FreshAsync(patient);
        other = await app.FreshAsync(other);

        var expired = await ConsultationApp.GetAsync(patient, booked.Id);
        Assert.Equal("cancelled", expired.Status);
        Assert.Equal("payment_timeout", expired.CancelReason);
        Assert.Equal("expired", expired.Payment!.Status);
        Assert.False(expired.RefundDue);
        Assert.Equal("awaiting_payment", (await ConsultationApp.BookAsync(other, doctor.Id, start)).Status);
        // The expired order's checkout page no longer takes money.
        Assert.Equal(HttpStatusCode.Conflict, (await app.SimulatorAsync(booked.Payment!, "approve")).StatusCode);
    }

    [Fact]
    public async Task DoctorMayEndEarly()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var active = await app.ActiveConsultationAsync(patient, doctor);
        app.Clock.Advance(TimeSpan.FromMinutes(7));

        var response = await doctor.Http.PostAsync($"/api/v1/consultations/{active.Id}/end", null, TestContext.Current.CancellationToken);

        await response.EnsureSuccessAsync();
        var ended = (await response.Content.ReadFromJsonAsync<ConsultationView>(TestContext.Current.CancellationToken))!;
        Assert.Equal("completed", ended.Status);
        Assert.Equal(app.Clock.GetUtcNow(), ended.EndsAt);
        Assert.Equal("read_only", await app.ConversationStatusAsync(active.ConversationId!.Value));
        Assert.Equal("The doctor ended the consultation. This chat is now read-only.", (await app.SystemMessagesAsync(active.ConversationId.Value))[^1]);
    }

    [Fact]
    public async Task OnlyTheBookedDoctorAcceptsDeclinesOrEnds()
    {
        var ct = TestContext.Current.CancellationToken;
        var doctor = await app.CreateDoctorAsync();
        var otherDoctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var stranger = await app.RegisterPatientAsync();
        var nurse = await app.CreateStaffAsync("nurse");
        var admin = await app.AdminAsync();
        var booked = await ConsultationApp.BookAsync(patient, doctor.Id);
        await (await app.SimulatorAsync(booked.Payment!, "approve")).EnsureSuccessAsync();

        foreach (var action in new[] { "accept", "decline", "end" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await otherDoctor.Http.PostAsync($"/api/v1/consultations/{booked.Id}/{action}", null, ct)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.Http.PostAsync($"/api/v1/consultations/{booked.Id}/{action}", null, ct)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await nurse.Http.PostAsync($"/api/v1/consultations/{booked.Id}/{action}", null, ct)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await admin.Http.PostAsync($"/api/v1/consultations/{booked.Id}/{action}", null, ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await patient.Http.PostAsync($"/api/v1/consultations/{booked.Id}/{action}", null, ct)).StatusCode);
        }

        Assert.Equal("paid", (await ConsultationApp.GetAsync(patient, booked.Id)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Http.GetAsync($"/api/v1/consultations/{booked.Id}", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherDoctor.Http.GetAsync($"/api/v1/consultations/{booked.Id}", ct)).StatusCode);

        // Wrong state names the current status.
        var end = await doctor.Http.PostAsync($"/api/v1/consultations/{booked.Id}/end", null, ct);
        Assert.Equal(HttpStatusCode.Conflict, end.StatusCode);
        var problem = await end.ProblemAsync();
        Assert.Equal("paid", problem.GetProperty("consultationStatus").GetString());
        Assert.Contains("is paid", problem.GetProperty("detail").GetString()!, StringComparison.Ordinal);

        await (await doctor.Http.PostAsync($"/api/v1/consultations/{booked.Id}/accept", null, ct)).EnsureSuccessAsync();
        var again = await doctor.Http.PostAsync($"/api/v1/consultations/{booked.Id}/accept", null, ct);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("active", (await again.ProblemAsync()).GetProperty("consultationStatus").GetString());
    }

    [Fact]
    public async Task ListsShowMineAndFilterByStatus()
    {
        var ct = TestContext.Current.CancellationToken;
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var other = await app.RegisterPatientAsync();
        var first = await app.ActiveConsultationAsync(patient, doctor);
        var second = await ConsultationApp.BookAsync(other, doctor.Id, app.Clock.GetUtcNow() + TimeSpan.FromHours(3));

        var mine = (await patient.Http.GetFromJsonAsync<List<ConsultationView>>("/api/v1/consultations", ct))!;
        var doctors = (await doctor.Http.GetFromJsonAsync<List<ConsultationView>>("/api/v1/consultations", ct))!;
        var doctorsActive = (await doctor.Http.GetFromJsonAsync<List<ConsultationView>>("/api/v1/consultations?status=active", ct))!;

        Assert.Equal([first.Id], mine.Select(c => c.Id));
        Assert.Equal([second.Id, first.Id], doctors.Select(c => c.Id));
        Assert.Null(doctors[0].Payment!.RedirectUrl);
        Assert.Equal([first.Id], doctorsActive.Select(c => c.Id));
        var bad = await patient.Http.GetAsync("/api/v1/consultations?status=bogus", ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.ProblemAsync()).GetProperty("errors").TryGetProperty("status", out _));
    }
}
