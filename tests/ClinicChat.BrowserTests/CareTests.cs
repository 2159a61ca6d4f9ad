using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.BrowserTests;

public sealed class CareTests(BrowserFixture fixture)
{
    [Fact]
    public async Task An_admin_assigns_a_nurse_then_patient_and_nurse_chat_and_the_unread_badge_clears_on_opening()
    {
        var nurse = await fixture.App.CreateStaffAsync("nurse", $"Bidan Rina {Guid.NewGuid():N}"[..16]);
        var patient = await fixture.App.RegisterPatientAsync($"Wayan {Guid.NewGuid():N}"[..12]);

        // The admin assigns the nurse from the web client.
        await using (var adminBrowser = await fixture.OpenAsync(width: 1280, height: 900))
        {
            var admin = adminBrowser.Page;
            await adminBrowser.SignInAsync(ClinicChatApp.AdminEmail, ClinicChatApp.AdminPassword);
            await admin.GetByRole(AriaRole.Link, new() { Name = "Nurse assignment" }).ClickAsync();
            var form = admin.GetByRole(AriaRole.Form, new() { Name = "Assign a nurse" });
            await form.GetByLabel("Patient").SelectOptionAsync(new SelectOptionValue { Value = patient.Id.ToString() });
            await form.GetByLabel("Nurse or midwife").SelectOptionAsync(new SelectOptionValue { Value = nurse.Id.ToString() });
            await form.GetByRole(AriaRole.Button, new() { Name = "Assign" }).ClickAsync();
            await Expect(admin.GetByText($"{nurse.DisplayName} now cares for {patient.DisplayName}.")).ToBeVisibleAsync();
            var overview = admin.GetByRole(AriaRole.Table, new() { Name = "Current nurse assignments" });
            await Expect(overview.GetByRole(AriaRole.Row).Filter(new() { HasText = patient.DisplayName })).ToContainTextAsync(nurse.DisplayName);
            await adminBrowser.ScreenshotAsync("admin-nurse-assignment");
        }

        await using var nurseBrowser = await fixture.OpenAsync(width: 1280, height: 900);
        var nursePage = nurseBrowser.Page;
        await nurseBrowser.SignInAsync(nurse.Email, nurse.Password);
        await Expect(nursePage.GetByRole(AriaRole.Heading, new() { Name = "My patients" })).ToBeVisibleAsync();
        var row = nursePage.GetByTestId("patient-row").Filter(new() { HasText = patient.DisplayName });
        await Expect(row).ToBeVisibleAsync();
        await Expect(row.GetByLabel("unread", new() { Exact = false })).ToHaveCountAsync(0);

        await using var patientBrowser = await fixture.OpenAsync();
        var patientPage = patientBrowser.Page;
        await patientBrowser.SignInAsync(patient.Email, patient.Password);
        await patientPage.GetByRole(AriaRole.Link, new() { Name = "My nurse" }).ClickAsync();
        await Expect(patientPage.GetByRole(AriaRole.Heading, new() { Name = $"{nurse.DisplayName} (your nurse)" })).ToBeVisibleAsync();
        await Kit.SendAsync(patientPage, "Bu, jadwal imunisasi anak saya kapan?");
        await Kit.SendAsync(patientPage, "Terima kasih.");

        // The badge appears on the nurse's open list without a reload...
        await Expect(row.GetByLabel("2 unread")).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("Terima kasih.");
        await nurseBrowser.ScreenshotAsync("nurse-patients");

        // ...and clears once the nurse opens the chat.
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(Kit.TheirMessages(nursePage)).ToHaveTextAsync(["Bu, jadwal imunisasi anak saya kapan?", "Terima kasih."]);
        await Expect(Kit.MyMessage(patientPage, "Terima kasih.").GetByRole(AriaRole.Img, new() { Name = "Read" })).ToBeVisibleAsync();
        await Kit.SendAsync(nursePage, "Hari Kamis jam 9 pagi ya, Bu.");
        await Expect(Kit.TheirMessages(patientPage).Last).ToHaveTextAsync("Hari Kamis jam 9 pagi ya, Bu.");
        await patientBrowser.ScreenshotAsync("patient-care-chat");

        await nursePage.GetByRole(AriaRole.Link, new() { Name = "My patients" }).ClickAsync();
        await Expect(row).ToContainTextAsync("Hari Kamis jam 9 pagi ya, Bu.");
        await Expect(row.GetByLabel("unread", new() { Exact = false })).ToHaveCountAsync(0);
        Assert.Empty(nurseBrowser.Problems);
        Assert.Empty(patientBrowser.Problems);
    }
}
