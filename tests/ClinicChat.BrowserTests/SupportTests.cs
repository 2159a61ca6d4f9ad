using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.BrowserTests;

public sealed class SupportTests(BrowserFixture fixture)
{
    [Fact]
    public async Task A_user_writes_to_support_and_the_admin_sees_it_on_the_desk_replies_and_closes_it()
    {
        var patient = await fixture.App.RegisterPatientAsync($"Ketut {Guid.NewGuid():N}"[..12]);

        // An admin online on the desk gets new rooms assigned.
        await using var adminBrowser = await fixture.OpenAsync(width: 1280, height: 900);
        var admin = adminBrowser.Page;
        await adminBrowser.SignInAsync(ClinicChatApp.AdminEmail, ClinicChatApp.AdminPassword);
        await admin.GetByRole(AriaRole.Link, new() { Name = "Support desk" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Support desk" })).ToBeVisibleAsync();
        await Expect(admin.GetByLabel("Desk statistics")).ToContainTextAsync("Open");

        await using var patientBrowser = await fixture.OpenAsync();
        var patientPage = patientBrowser.Page;
        await patientBrowser.SignInAsync(patient.Email, patient.Password);
        await patientPage.GetByRole(AriaRole.Link, new() { Name = "Support" }).ClickAsync();
        await Expect(patientPage.GetByRole(AriaRole.Heading, new() { Name = "Clinic support" })).ToBeVisibleAsync();
        await Kit.SendAsync(patientPage, "Pembayaran saya gagal, tolong dibantu.");

        var room = admin.GetByTestId("support-room").Filter(new() { HasText = patient.DisplayName });
        await Expect(room).ToContainTextAsync("Pembayaran saya gagal, tolong dibantu.");
        await Expect(room).ToContainTextAsync("Waiting since");
        await adminBrowser.ScreenshotAsync("admin-support-desk");
        await room.GetByRole(AriaRole.Link).ClickAsync();

        await Expect(Kit.TheirMessages(admin).Last).ToHaveTextAsync("Pembayaran saya gagal, tolong dibantu.");
        await Kit.SendAsync(admin, "Baik, kami cek sekarang. Mohon tunggu sebentar.");
        await Expect(Kit.TheirMessages(patientPage).Last).ToHaveTextAsync("Baik, kami cek sekarang. Mohon tunggu sebentar.");
        await patientBrowser.ScreenshotAsync("patient-support-chat");

        await admin.GetByLabel("Internal note (optional)").FillAsync("Gateway timeout, resolved");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Close room" }).ClickAsync();
        await Expect(admin.GetByText("This room is closed.", new() { Exact = false })).ToBeVisibleAsync();
        await adminBrowser.ScreenshotAsync("admin-support-room-closed");

        // The user's view turns read-only and offers a fresh conversation.
        await Expect(patientPage.GetByText("The support desk closed this conversation.")).ToBeVisibleAsync();
        await Expect(patientPage.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToHaveCountAsync(0);
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Start a new conversation" }).ClickAsync();
        await Expect(patientPage.GetByRole(AriaRole.Textbox, new() { Name = "Message" })).ToBeEnabledAsync();
        await Expect(patientPage.GetByText("No messages yet. Say hello.")).ToBeVisibleAsync();
        Assert.Empty(adminBrowser.Problems);
        Assert.Empty(patientBrowser.Problems);
    }
}
