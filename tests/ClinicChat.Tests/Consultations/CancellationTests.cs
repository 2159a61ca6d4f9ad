using System.Net;
using System.Net.Http.Json;
using ClinicChat.Consultations;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Payments;
using Dapper;

namespace ClinicChat.Tests.Consultations;

/// <summary>Patients cancelling their own bookings with the simulated gateway, which refunds too.</summary>
public sealed class CancellationTests(ConsultationApp app) : IClassFixture<ConsultationApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<HttpResponseMessage> CancelAsync(TestUser user, Guid id) =>
        await user.Http.PostAsync($"/api/v1/consultations/{id}/cancel", null, Ct);

    private static async Task<string?> CodeAsync(HttpResponseMessage response) => (await response.ProblemAsync()).GetProperty("code").GetString();

    [Fact]
    public async Task AnUnpaidBookingIsCancelledAtOnceAndItsSlotIsFree()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var someoneElse = await app.RegisterPatientAsync();
        var startAt = app.Clock.GetUtcNow().AddHours(2);
        var booked = await ConsultationApp.BookAsync(patient, doctor.Id, startAt);
        var taken = await someoneElse.Http.PostAsJsonAsync("/api/v1/consultations", new { doctorId = doctor.Id, startAt }, Ct);
        Assert.Equal("doctor.fully_booked", await CodeAsync(taken));

        var response = await CancelAsync(patient, booked.Id);

        await response.EnsureSuccessAsync();
        var cancelled = (await response.Content.ReadFromJsonAsync<ConsultationView>(Ct))!;
        Assert.Equal(("cancelled", "patient_cancelled", false), (cancelled.Status, cancelled.CancelReason, cancelled.RefundDue));
        Assert.Equal("cancelled", cancelled.Payment!.Status);
        await ConsultationApp.BookAsync(someoneElse, doctor.Id, startAt);
        // The simulator's checkout no longer takes money for it.
        Assert.Equal(HttpStatusCode.Conflict, (await app.SimulatorAsync(booked.Payment!, "approve")).StatusCode);
        await using var db = app.OpenDatabase();
        Assert.Equal("cancel", await db.QuerySingleAsync<string>(
            "select transaction_status from payment_simulator_orders where order_id = @OrderId", new { booked.Payment!.OrderId }));
        Assert.Equal(1, await db.ExecuteScalarAsync<int>(
            "select count(*) from audit_log where action = 'consultation.cancel' and target_id = @Id", new { Id = booked.Id.ToString() }));
    }

    [Fact]
    public async Task APaidBookingCancelledBeforeAcceptIsOwedBackAndTheSimulatorRefundsIt()
    {
        var doctor = await app.CreateDoctorAsync(fee: 200_000);
        var patient = await app.RegisterPatientAsync();
        var booked = await ConsultationApp.BookAsync(patient, doctor.Id);
        await (await app.SimulatorAsync(booked.Payment!, "approve")).EnsureSuccessAsync();

        var response = await CancelAsync(patient, booked.Id);

        await response.EnsureSuccessAsync();
        var cancelled = (await response.Content.ReadFromJsonAsync<ConsultationView>(Ct))!;

        Assert.Equal(("cancelled", "patient_cancelled", true), (cancelled.Status, cancelled.CancelReason, cancelled.RefundDue));
        Assert.Null(cancelled.Refund);
        Assert.Contains(ConsultationCancellation.PaidNote, await app.SystemMessagesAsync(cancelled.ConversationId!.Value));
        var doctorView = await ConsultationApp.GetAsync(doctor, booked.Id);
        Assert.True(doctorView.RefundDue);

        var admin = await app.AdminAsync();
        var refunded = await admin.Http.PostAsync($"/api/v1/consultations/{booked.Id}/refund", null, Ct);
        await refunded.EnsureSuccessAsync();
        var after = (await refunded.Content.ReadFromJsonAsync<ConsultationView>(Ct))!;
        Assert.False(after.RefundDue);
        Assert.Equal("succeeded", after.Refund!.Status);
        Assert.Equal(200_000, after.Refund.Amount);
        await using var db = app.OpenDatabase();
        Assert.Equal(("refund", after.Refund.Key), await db.QuerySingleAsync<(string, string)>(
            "select transaction_status, refund_key from payment_simulator_orders where order_id = @OrderId", new { booked.Payment!.OrderId }));
    }

    [Fact]
    public async Task OnlyItsPatientMayCancelAndOnlyBeforeTheDoctorAccepts()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var booked = await ConsultationApp.BookAsync(patient, doctor.Id);
        var other = await app.RegisterPatientAsync();
        var admin = await app.AdminAsync();

        var byDoctor = await CancelAsync(doctor, booked.Id);
        Assert.Equal(HttpStatusCode.Forbidden, byDoctor.StatusCode);
        Assert.Equal("consultation.not_the_patient", await CodeAsync(byDoctor));
        foreach (var stranger in new[] { other, admin })
        {
            var refused = await CancelAsync(stranger, booked.Id);
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
            Assert.Equal("consultation.not_found", await CodeAsync(refused));
        }

        Assert.Equal("awaiting_payment", (await ConsultationApp.GetAsync(patient, booked.Id)).Status);

        var activePatient = await app.RegisterPatientAsync();
        var active = await app.ActiveConsultationAsync(activePatient, await app.CreateDoctorAsync());
        var tooLate = await CancelAsync(activePatient, active.Id);
        Assert.Equal(HttpStatusCode.Conflict, tooLate.StatusCode);
        Assert.Equal("consultation.wrong_state", await CodeAsync(tooLate));
        Assert.Equal("active", (await tooLate.ProblemAsync()).GetProperty("consultationStatus").GetString());

        await (await CancelAsync(patient, booked.Id)).EnsureSuccessAsync();
        Assert.Equal("consultation.wrong_state", await CodeAsync(await CancelAsync(patient, booked.Id)));
    }
}

/// <summary>Consultations:AutoRefund: a paid booking the patient cancels is refunded at once.</summary>
public sealed class AutoRefundApp : ConsultationApp
{
    public AutoRefundApp() => Settings["Consultations:AutoRefund"] = "true";
}

public sealed class AutoRefundTests(AutoRefundApp app) : IClassFixture<AutoRefundApp>
{
    [Fact]
    public async Task APaidBookingThePatientCancelsIsRefundedAtOnce()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var booked = await ConsultationApp.BookAsync(patient, doctor.Id);
        await (await app.SimulatorAsync(booked.Payment!, "approve")).EnsureSuccessAsync();

        var response = await patient.Http.PostAsync($"/api/v1/consultations/{booked.Id}/cancel", null, TestContext.Current.CancellationToken);

        await response.EnsureSuccessAsync();
        var cancelled = (await response.Content.ReadFromJsonAsync<ConsultationView>(TestContext.Current.CancellationToken))!;
        Assert.Equal("cancelled", cancelled.Status);
        Assert.False(cancelled.RefundDue);
        Assert.Equal("succeeded", cancelled.Refund!.Status);
        Assert.Equal("refunded", cancelled.Payment!.Status);
    }
}
