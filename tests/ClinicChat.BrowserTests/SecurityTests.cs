namespace ClinicChat.BrowserTests;

public sealed class SecurityTests(BrowserFixture fixture)
{
    private const string Payload = "<img src=x onerror=\"window.__xss=1;alert(1)\"><script>window.__xss=2</script>";

    [Fact]
    public async Task A_display_name_with_markup_is_shown_as_literal_text_and_runs_nothing()
    {
        var patient = await fixture.App.RegisterPatientAsync(Payload);
        await using var browser = await fixture.OpenAsync();
        var page = browser.Page;

        await browser.SignInAsync(patient.Email, patient.Password);

        await Expect(page.Locator("header .who-name")).ToContainTextAsync(Payload);
        Assert.Equal(0, await page.Locator("header img").CountAsync());
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__xss"));
        Assert.Empty(browser.Dialogs);
        Assert.Empty(browser.Problems);
    }

    [Fact]
    public async Task The_same_name_is_literal_text_in_the_admin_users_list()
    {
        var patient = await fixture.App.RegisterPatientAsync(Payload);
        await using var browser = await fixture.OpenAsync(width: 1280, height: 900);
        var page = browser.Page;

        await browser.SignInAsync(Tests.Infrastructure.ClinicChatApp.AdminEmail, Tests.Infrastructure.ClinicChatApp.AdminPassword);
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = patient.Email });

        await Expect(row).ToContainTextAsync(Payload);
        Assert.Equal(0, await page.Locator("table img").CountAsync());
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__xss"));
        Assert.Empty(browser.Dialogs);
    }

    [Fact]
    public async Task A_message_with_markup_renders_as_literal_text_on_both_sides_and_runs_nothing()
    {
        var doctor = await fixture.CreateDoctorAsync("dr. Lestari", "Umum", 100_000);
        var patient = await fixture.App.RegisterPatientAsync("Gede");
        var (consultationId, _) = await Kit.ActiveConsultationAsync(fixture.App, patient, doctor);
        await using var doctorBrowser = await fixture.OpenAsync(width: 1280, height: 900);
        await using var patientBrowser = await fixture.OpenAsync();
        await doctorBrowser.SignInAsync(doctor.Email, doctor.Password);
        await patientBrowser.SignInAsync(patient.Email, patient.Password);
        await doctorBrowser.Page.GotoAsync($"/consultations/{consultationId}");
        await patientBrowser.Page.GotoAsync($"/consultations/{consultationId}");
        const string link = "<a href=\"javascript:window.__xss=3\">klik</a> https://example.com/x.png";

        await Kit.SendAsync(patientBrowser.Page, Payload);
        await Kit.SendAsync(patientBrowser.Page, link);

        await Expect(Kit.TheirMessages(doctorBrowser.Page)).ToHaveTextAsync([Payload, link]);
        await Expect(Kit.MyMessage(patientBrowser.Page, "onerror")).ToContainTextAsync(Payload);
        foreach (var page in new[] { doctorBrowser.Page, patientBrowser.Page })
        {
            // Text only: no element was made from the message, no link to follow, nothing ran.
            Assert.Equal(0, await Kit.Messages(page).Locator("img, script, a, iframe").CountAsync());
            Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__xss"));
        }

        await doctorBrowser.ScreenshotAsync("doctor-xss-as-text");
        Assert.Empty(doctorBrowser.Dialogs);
        Assert.Empty(patientBrowser.Dialogs);
        Assert.Empty(doctorBrowser.Problems);
        Assert.Empty(patientBrowser.Problems);
    }
}
