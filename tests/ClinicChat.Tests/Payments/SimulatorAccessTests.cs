using System.Net;
using ClinicChat.Tests.Consultations;
using ClinicChat.Tests.Infrastructure;
using Dapper;

namespace ClinicChat.Tests.Payments;

/// <summary>The simulator's checkout acts only for the paying patient: the order id alone (which the doctor and admin see) does nothing.</summary>
public sealed class SimulatorAccessTests(ConsultationApp app) : IClassFixture<ConsultationApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> StatusAsync(Guid id)
    {
        await using var db = app.OpenDatabase();
        return await db.QuerySingleAsync<string>("select status from consultations where id = @Id", new { Id = id });
    }

    private Task<HttpResponseMessage> PostAsync(string orderId, string action, string? token, string? origin = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/payments/simulator/{orderId}/{action}")
        {
            Content = new FormUrlEncodedContent(token is null ? [] : [KeyValuePair.Create("t", token)]),
        };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return app.CreateAnonymousClient().SendAsync(request, Ct);
    }

    [Fact]
    public async Task KnowingTheOrderIdIsNotEnoughToSeePayOrDecline()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var booked = await ConsultationApp.BookAsync(patient, doctor.Id);
        var orderId = booked.Payment!.OrderId;

        // The doctor sees the order id but not the patient's checkout link.
        var doctorsView = await ConsultationApp.GetAsync(await app.FreshAsync(doctor), booked.Id);
        Assert.Equal(orderId, doctorsView.Payment!.OrderId);
        Assert.Null(doctorsView.Payment.RedirectUrl);

        var page = await app.CreateAnonymousClient().GetAsync($"/payments/simulator/{orderId}", Ct);
        var decline = await PostAsync(orderId, "decline", token: null);
        var approve = await PostAsync(orderId, "approve", token: "forged-token");

        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, decline.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, approve.StatusCode);
        Assert.DoesNotContain(booked.Id.ToString(), await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal("awaiting_payment", await StatusAsync(booked.Id));
    }

    [Fact]
    public async Task OnePatientsCheckoutTokenDoesNothingToAnothersBooking()
    {
        var doctor = await app.CreateDoctorAsync();
        await using (var db = app.OpenDatabase())
        {
            await db.ExecuteAsync("update doctor_profiles set capacity = 5 where doctor_id = @Id", new { doctor.Id });
        }

        var mine = await ConsultationApp.BookAsync(await app.RegisterPatientAsync(), doctor.Id);
        var theirs = await ConsultationApp.BookAsync(await app.RegisterPatientAsync(), doctor.Id);

        var declined = await PostAsync(theirs.Payment!.OrderId, "decline", ConsultationApp.CheckoutToken(mine.Payment!));

        Assert.Equal(HttpStatusCode.Forbidden, declined.StatusCode);
        Assert.Equal("awaiting_payment", await StatusAsync(theirs.Id));
        Assert.Equal("awaiting_payment", await StatusAsync(mine.Id));
    }

    [Fact]
    public async Task ACrossSiteFormPostIsRefusedEvenWithTheToken()
    {
        var doctor = await app.CreateDoctorAsync();
        var booked = await ConsultationApp.BookAsync(await app.RegisterPatientAsync(), doctor.Id);
        var token = ConsultationApp.CheckoutToken(booked.Payment!);

        var crossSite = await PostAsync(booked.Payment!.OrderId, "approve", token, origin: "http://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        Assert.Equal("awaiting_payment", await StatusAsync(booked.Id));

        var sameOrigin = await PostAsync(booked.Payment.OrderId, "approve", token, origin: app.BaseAddress.GetLeftPart(UriPartial.Authority));
        Assert.Equal(HttpStatusCode.OK, sameOrigin.StatusCode);
        Assert.Equal("paid", await StatusAsync(booked.Id));
    }

    [Fact]
    public async Task TheCheckoutLinkExpiresAnHourAfterThePaymentWindow()
    {
        var doctor = await app.CreateDoctorAsync();
        var booked = await ConsultationApp.BookAsync(await app.RegisterPatientAsync(), doctor.Id);
        var link = booked.Payment!.RedirectUrl!;

        Assert.Equal(HttpStatusCode.OK, (await app.CreateAnonymousClient().GetAsync(link, Ct)).StatusCode);
        app.Clock.Advance(ConsultationApp.PaymentTimeout);
        await app.RunDueAsync();
        // Past the window the booking is gone: the page says there is nothing to pay.
        Assert.Equal(HttpStatusCode.Conflict, (await app.CreateAnonymousClient().GetAsync(link, Ct)).StatusCode);
        app.Clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(HttpStatusCode.Forbidden, (await app.CreateAnonymousClient().GetAsync(link, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.SimulatorAsync(booked.Payment, "approve")).StatusCode);
    }
}
