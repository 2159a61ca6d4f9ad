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
}
