using ClinicChat.Tests.Consultations;

namespace ClinicChat.Tests.Payments;

/// <summary>The simulated checkout hands the payer back to the web client's page of the consultation.</summary>
public sealed class SimulatorReturnTests(ConsultationApp app) : IClassFixture<ConsultationApp>
{
    [Fact]
    public async Task The_checkout_page_and_its_result_page_link_back_to_the_consultation()
    {
        var ct = TestContext.Current.CancellationToken;
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var booked = await ConsultationApp.BookAsync(patient, doctor.Id);
        var back = $"href=\"/consultations/{booked.Id}\"";

        var checkout = await (await app.CreateAnonymousClient().GetAsync(booked.Payment!.RedirectUrl, ct)).Content.ReadAsStringAsync(ct);
        Assert.Contains(back, checkout, StringComparison.Ordinal);

        var paid = await (await app.SimulatorAsync(booked.Payment, "approve")).Content.ReadAsStringAsync(ct);
        Assert.Contains("Payment received", paid, StringComparison.Ordinal);
        Assert.Contains(back, paid, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_declined_payment_also_links_back_to_the_consultation()
    {
        var ct = TestContext.Current.CancellationToken;
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var booked = await ConsultationApp.BookAsync(patient, doctor.Id);

        var declined = await (await app.SimulatorAsync(booked.Payment!, "decline")).Content.ReadAsStringAsync(ct);

        Assert.Contains($"href=\"/consultations/{booked.Id}\"", declined, StringComparison.Ordinal);
    }
}
