namespace ClinicChat.BrowserTests;

public sealed class SignInTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Empty_fields_are_reported_next_to_each_field()
    {
        await using var browser = await fixture.OpenAsync();
        var page = browser.Page;
        await page.GotoAsync("/signin");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByText("Email is required.")).ToBeVisibleAsync();
        await Expect(page.GetByText("Password is required.")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Email")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Please correct the fields marked below.");
        await browser.ScreenshotAsync("sign-in-errors");
    }

    [Fact]
    public async Task A_wrong_password_says_so_without_revealing_which_part_was_wrong()
    {
        var patient = await fixture.App.RegisterPatientAsync();
        await using var browser = await fixture.OpenAsync();
        var page = browser.Page;
        await page.GotoAsync("/signin");

        await page.GetByLabel("Email").FillAsync(patient.Email);
        await page.GetByLabel("Password").FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Email or password is incorrect.");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/signin$"));
    }

    [Fact]
    public async Task Sign_up_shows_the_server_rules_on_the_fields_they_concern()
    {
        var existing = await fixture.App.RegisterPatientAsync();
        await using var browser = await fixture.OpenAsync();
        var page = browser.Page;
        await page.GotoAsync("/signup");

        await page.GetByLabel("Your name").FillAsync("Ni Luh");
        await page.GetByLabel("Email").FillAsync(existing.Email);
        await page.GetByLabel("Password").FillAsync("short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();

        await Expect(page.GetByText("Password must be at least 10 characters.")).ToBeVisibleAsync();

        await page.GetByLabel("Password").FillAsync("long-enough-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await Expect(page.GetByText("An account with this email already exists.").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Signing_out_returns_to_sign_in_and_a_reload_stays_signed_out()
    {
        var patient = await fixture.App.RegisterPatientAsync();
        await using var browser = await fixture.OpenAsync();
        await browser.SignInAsync(patient.Email, patient.Password);

        await browser.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(browser.Page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to ClinicChat" })).ToBeVisibleAsync();
        await browser.Page.ReloadAsync();

        await Expect(browser.Page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to ClinicChat" })).ToBeVisibleAsync();
        await Expect(browser.Page.GetByText("Your session has ended")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Signing_in_works_with_the_keyboard_alone()
    {
        var patient = await fixture.App.RegisterPatientAsync();
        await using var browser = await fixture.OpenAsync();
        var page = browser.Page;
        await page.GotoAsync("/signin");
        // The form renders after the scripts run; Tab before that would focus nothing.
        await Expect(page.GetByLabel("Email")).ToBeVisibleAsync();

        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("Email")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(patient.Email);
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("Password")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(patient.Password);
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Doctors" })).ToBeVisibleAsync();
    }
}
