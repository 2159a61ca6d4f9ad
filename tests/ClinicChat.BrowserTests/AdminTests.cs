using System.Net.Http.Json;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.BrowserTests;

public sealed class AdminTests(BrowserFixture fixture)
{
    [Fact]
    public async Task An_admin_creates_a_doctor_then_sets_their_fee_and_weekly_schedule()
    {
        await using var browser = await fixture.OpenAsync(width: 1280, height: 900);
        var page = browser.Page;
        await browser.SignInAsync(ClinicChatApp.AdminEmail, ClinicChatApp.AdminPassword);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Users" })).ToBeVisibleAsync();

        var email = $"dr-budi-{Guid.NewGuid():N}@example.com";
        var form = page.GetByRole(AriaRole.Form, new() { Name = "Create staff account" });
        await form.GetByLabel("Name").FillAsync("dr. Budi Santoso");
        await form.GetByLabel("Email").FillAsync(email);
        await form.GetByLabel("Initial password").FillAsync("budi-password-1");
        await form.GetByLabel("Role").SelectOptionAsync("doctor");
        await form.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();

        await Expect(page.GetByText("Created doctor account for dr. Budi Santoso.")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = email })).ToBeVisibleAsync();
        await browser.ScreenshotAsync("admin-users");

        await page.GetByRole(AriaRole.Link, new() { Name = "Set their profile and schedule" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "dr. Budi Santoso" })).ToBeVisibleAsync();

        var profile = page.GetByRole(AriaRole.Form, new() { Name = "Profile" });
        await profile.GetByLabel("Specialty").FillAsync("Anak");
        await profile.GetByLabel("Fee (IDR)").FillAsync("200000");
        await Expect(profile.GetByText("Shown to patients as Rp 200.000")).ToBeVisibleAsync();
        await profile.GetByRole(AriaRole.Button, new() { Name = "Save profile" }).ClickAsync();
        await Expect(profile.GetByText("Profile saved.")).ToBeVisibleAsync();

        var schedule = page.GetByRole(AriaRole.Form, new() { Name = "Weekly schedule" });
        await schedule.GetByRole(AriaRole.Button, new() { Name = "Add interval" }).ClickAsync();
        await schedule.GetByRole(AriaRole.Button, new() { Name = "Add interval" }).ClickAsync();
        var second = schedule.GetByRole(AriaRole.Group, new() { Name = "Interval 2" });
        await second.GetByLabel("Day").SelectOptionAsync("Wednesday");
        await second.GetByLabel("From").FillAsync("13:00");
        await second.GetByLabel("To").FillAsync("16:30");
        await schedule.GetByRole(AriaRole.Button, new() { Name = "Save schedule" }).ClickAsync();
        await Expect(schedule.GetByText("Schedule saved.")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("admin-doctor-editor");

        var admin = await fixture.App.AdminAsync();
        var users = await admin.Http.GetFromJsonAsync<List<UserResponse>>("/api/v1/admin/users?role=doctor", TestContext.Current.CancellationToken);
        var id = users!.Single(u => u.Email == email).Id;
        var doctor = await admin.Http.GetFromJsonAsync<DoctorResponse>($"/api/v1/doctors/{id}", TestContext.Current.CancellationToken);
        Assert.Equal("Anak", doctor!.Specialty);
        Assert.Equal(200_000, doctor.Fee);
        Assert.Equal(
            [new("Monday", "08:00", "17:00"), new("Wednesday", "13:00", "16:30")],
            doctor.Schedule);
        Assert.Empty(browser.Problems);
    }

    [Fact]
    public async Task An_overlapping_interval_is_reported_on_the_schedule_form()
    {
        var doctor = await fixture.App.CreateStaffAsync("doctor", "dr. Rina");
        await using var browser = await fixture.OpenAsync();
        var page = browser.Page;
        await browser.SignInAsync(ClinicChatApp.AdminEmail, ClinicChatApp.AdminPassword);
        await page.GotoAsync($"/admin/doctors/{doctor.Id}");

        var schedule = page.GetByRole(AriaRole.Form, new() { Name = "Weekly schedule" });
        await schedule.GetByRole(AriaRole.Button, new() { Name = "Add interval" }).ClickAsync();
        await schedule.GetByRole(AriaRole.Button, new() { Name = "Add interval" }).ClickAsync();
        await schedule.GetByRole(AriaRole.Group, new() { Name = "Interval 2" }).GetByLabel("From").FillAsync("12:00");
        await schedule.GetByRole(AriaRole.Button, new() { Name = "Save schedule" }).ClickAsync();

        await Expect(schedule.GetByText("overlaps")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task An_admin_disables_an_account_from_the_users_list()
    {
        var nurse = await fixture.App.CreateStaffAsync("nurse", $"Bidan {Guid.NewGuid():N}"[..20]);
        await using var browser = await fixture.OpenAsync(width: 1280, height: 900);
        var page = browser.Page;
        browser.AcceptDialogs = true;
        await browser.SignInAsync(ClinicChatApp.AdminEmail, ClinicChatApp.AdminPassword);

        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = nurse.Email });
        await row.GetByRole(AriaRole.Button, new() { Name = $"Disable {nurse.DisplayName}" }).ClickAsync();

        await Expect(row).ToContainTextAsync("Disabled");
        Assert.Contains(nurse.Email, Assert.Single(browser.Dialogs));
    }

    private sealed record DoctorResponse(Guid Id, string DisplayName, string Specialty, long Fee, string Bio, List<ScheduleEntry> Schedule);

    private sealed record ScheduleEntry(string DayOfWeek, string Start, string End);
}
