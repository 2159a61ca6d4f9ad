using ClinicChat.Consultations;
using ClinicChat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ClinicChat.BrowserTests;

/// <summary>A server whose consultations last ten minutes with the warning five minutes before the end.</summary>
public sealed class ShortConsultationApp : ClinicChatApp
{
    public ShortConsultationApp()
    {
        Settings["Consultations:Duration"] = "00:10:00";
        Settings["Consultations:WarningBefore"] = "00:05:00";
        Settings["Consultations:SchedulerInterval"] = "00:00:05";
    }

    /// <summary>Moves the server's clock and runs what fell due, as the scheduler would on its next tick.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        Clock.Advance(by);
        await Services.GetRequiredService<ConsultationLifecycle>().RunDueTransitionsAsync(TestContext.Current.CancellationToken);
    }
}

public sealed class ConsultationTimeTests(BrowserFixture fixture, ShortConsultationApp app) : IClassFixture<ShortConsultationApp>
{
    [Fact]
    public async Task The_warning_appears_five_minutes_before_the_end_and_then_both_views_turn_read_only()
    {
        var doctor = await BrowserFixture.CreateDoctorAsync(app, "dr. Made Wirawan", "Umum", 100_000);
        var patient = await app.RegisterPatientAsync("Kadek");
        var (consultationId, _) = await Kit.ActiveConsultationAsync(app, patient, doctor);

        await using var doctorBrowser = await fixture.OpenAsync(app, width: 1280, height: 900);
        await using var patientBrowser = await fixture.OpenAsync(app);
        await doctorBrowser.SignInAsync(doctor.Email, doctor.Password);
        await patientBrowser.SignInAsync(patient.Email, patient.Password);
        var pages = new[] { doctorBrowser.Page, patientBrowser.Page };
        foreach (var page in pages)
        {
            await page.GotoAsync($"/consultations/{consultationId}");
            await Expect(page.GetByTestId("consultation-status")).ToContainTextAsync("In session");
            // Counted down from the server's remainingSeconds (600), whatever the device's clock says.
            await Expect(page.GetByTestId("countdown")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"(10:00|9:\d\d)"));
            await Expect(page.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToBeEnabledAsync();
        }

        await Kit.SendAsync(patientBrowser.Page, "Dok, obatnya diminum setelah makan?");
        await Expect(Kit.TheirMessages(doctorBrowser.Page).Last).ToHaveTextAsync("Dok, obatnya diminum setelah makan?");

        await app.AdvanceAsync(TimeSpan.FromMinutes(5));

        foreach (var page in pages)
        {
            await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "This consultation ends in 5 minutes or less." })).ToBeVisibleAsync();
            await Expect(Kit.Messages(page)).ToContainTextAsync("This consultation ends in 5 minutes.");
            await Expect(page.GetByTestId("countdown")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"(5:00|4:\d\d)"));
        }

        await patientBrowser.ScreenshotAsync("patient-consultation-warning");

        await app.AdvanceAsync(TimeSpan.FromMinutes(5));

        foreach (var page in pages)
        {
            await Expect(page.GetByTestId("consultation-status")).ToContainTextAsync("Completed");
            await Expect(page.GetByText("This consultation has ended. The chat stays here, read-only, as part of the medical record.")).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToHaveCountAsync(0);
            await Expect(page.GetByTestId("countdown")).ToHaveCountAsync(0);
            await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "ends in" })).ToHaveCountAsync(0);
            // The record stays readable.
            await Expect(Kit.Messages(page)).ToContainTextAsync("Dok, obatnya diminum setelah makan?");
            await Expect(Kit.Messages(page)).ToContainTextAsync("Consultation ended. This chat is now read-only.");
        }

        await patientBrowser.ScreenshotAsync("patient-consultation-ended");
        await doctorBrowser.ScreenshotAsync("doctor-consultation-ended");
        Assert.Empty(patientBrowser.Problems);
        Assert.Empty(doctorBrowser.Problems);
    }
}
