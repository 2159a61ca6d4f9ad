using System.Net.Http.Json;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.BrowserTests;

public sealed class PatientTests(BrowserFixture fixture)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Soon = new() { Timeout = 15_000 };

    [Fact]
    public async Task A_new_patient_signs_up_and_sees_the_doctors_with_fees_in_rupiah()
    {
        await fixture.CreateDoctorAsync("dr. Sari Wulandari, Sp.PD", "Penyakit Dalam", 150_000);
        await using var browser = await fixture.OpenAsync();
        var page = browser.Page;

        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin$"));
        await browser.ScreenshotAsync("sign-in");
        await page.GetByRole(AriaRole.Link, new() { Name = "Create an account" }).ClickAsync();
        await page.GetByLabel("Your name").FillAsync("Putu");
        await page.GetByLabel("Email").FillAsync($"putu-{Guid.NewGuid():N}@example.com");
        await page.GetByLabel("Password").FillAsync("putu-password-1");
        await browser.ScreenshotAsync("sign-up");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/doctors$"));
        var card = page.GetByTestId("doctor-card").Filter(new() { HasText = "dr. Sari Wulandari, Sp.PD" });
        await Expect(card).ToBeVisibleAsync(Soon);
        await Expect(card).ToContainTextAsync("Penyakit Dalam");
        await Expect(card).ToContainTextAsync("Rp 150.000");
        await Expect(card).ToContainTextAsync("Available now");
        await Expect(card.GetByRole(AriaRole.Link, new() { Name = "Book a consultation with dr. Sari Wulandari, Sp.PD" })).ToBeVisibleAsync();
        await Expect(page.GetByText("Putu (patient)")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("patient-doctors");
        Assert.Empty(browser.Problems);
    }

    [Fact]
    public async Task A_reload_on_a_client_route_keeps_the_session_and_the_page()
    {
        var patient = await fixture.App.RegisterPatientAsync("Wayan");
        await using var browser = await fixture.OpenAsync();
        await browser.SignInAsync(patient.Email, patient.Password);
        await Expect(browser.Page.GetByRole(AriaRole.Heading, new() { Name = "Doctors" })).ToBeVisibleAsync();

        await browser.Page.ReloadAsync();

        await Expect(browser.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/doctors$"));
        await Expect(browser.Page.GetByRole(AriaRole.Heading, new() { Name = "Doctors" })).ToBeVisibleAsync();
        await Expect(browser.Page.GetByText("Wayan (patient)")).ToBeVisibleAsync();
        Assert.Empty(browser.Problems);
    }

    [Fact]
    public async Task A_disabled_account_is_sent_back_to_sign_in_with_a_message()
    {
        var patient = await fixture.App.RegisterPatientAsync("Komang");
        await using var browser = await fixture.OpenAsync();
        await browser.SignInAsync(patient.Email, patient.Password);

        var admin = await fixture.App.AdminAsync();
        (await admin.Http.PostAsync($"/api/v1/admin/users/{patient.Id}/disable", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        // The next request of the open page finds out: its refresh is refused, and the page says why.
        await browser.Page.ReloadAsync();

        await Expect(browser.Page.GetByText("Your session has ended. Please sign in again.")).ToBeVisibleAsync();
        await Expect(browser.Page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to ClinicChat" })).ToBeVisibleAsync();
        await browser.ScreenshotAsync("session-ended");
    }
}
