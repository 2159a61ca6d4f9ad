using System.Text.RegularExpressions;

namespace ClinicChat.BrowserTests;

public sealed class ReconnectTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Messages_sent_while_the_doctor_was_disconnected_appear_once_and_in_order_after_reconnecting()
    {
        var doctor = await fixture.CreateDoctorAsync("dr. Agus Pratama", "Umum", 120_000);
        var patient = await fixture.App.RegisterPatientAsync("Nyoman");
        var (consultationId, _) = await Kit.ActiveConsultationAsync(fixture.App, patient, doctor);

        await using var doctorBrowser = await fixture.OpenAsync(width: 1280, height: 900);
        var doctorPage = doctorBrowser.Page;
        // Every hub socket of the doctor's page passes through here, so the test can cut it like a network drop.
        var sockets = new List<(IWebSocketRoute Page, IWebSocketRoute Server)>();
        await doctorBrowser.Context.RouteWebSocketAsync(new Regex("/hubs/chat"), ws =>
        {
            var server = ws.ConnectToServer();
            lock (sockets)
            {
                sockets.Add((ws, server));
            }
        });
        await doctorBrowser.SignInAsync(doctor.Email, doctor.Password);
        await doctorPage.GotoAsync($"/consultations/{consultationId}");

        await using var patientBrowser = await fixture.OpenAsync();
        var patientPage = patientBrowser.Page;
        await patientBrowser.SignInAsync(patient.Email, patient.Password);
        await patientPage.GotoAsync($"/consultations/{consultationId}");
        await Kit.SendAsync(patientPage, "Sebelum putus");
        await Expect(Kit.TheirMessages(doctorPage)).ToHaveTextAsync(["Sebelum putus"]);

        // The network drops: no new connections, and the open socket dies on both ends.
        await doctorBrowser.Context.SetOfflineAsync(true);
        (IWebSocketRoute Page, IWebSocketRoute Server)[] open;
        lock (sockets)
        {
            open = [.. sockets];
        }

        foreach (var (page, server) in open)
        {
            await server.CloseAsync(new() { Code = 1001, Reason = "test: network drop" });
            await page.CloseAsync(new() { Code = 4000, Reason = "test: network drop" });
        }

        await Expect(doctorPage.GetByRole(AriaRole.Status).Filter(new() { HasText = "Reconnecting" })).ToBeVisibleAsync();
        await doctorBrowser.ScreenshotAsync("doctor-reconnecting");

        string[] five = ["Satu", "Dua", "Tiga", "Empat", "Lima"];
        foreach (var text in five)
        {
            await Kit.SendAsync(patientPage, text);
        }

        foreach (var text in five)
        {
            await Expect(Kit.MyMessage(patientPage, text).GetByRole(AriaRole.Img, new() { Name = "Sent" })).ToBeVisibleAsync();
        }

        // Back online: the client reconnects by itself and catches up with Sync.
        await doctorBrowser.Context.SetOfflineAsync(false);
        await Expect(doctorPage.GetByRole(AriaRole.Status).Filter(new() { HasText = "Reconnecting" })).ToHaveCountAsync(0, new() { Timeout = 45_000 });
        await Expect(Kit.TheirMessages(doctorPage)).ToHaveTextAsync(["Sebelum putus", .. five]);

        // Live again, and nothing was duplicated by events arriving alongside the catch-up.
        await Kit.SendAsync(patientPage, "Sudah tersambung?");
        await Expect(Kit.TheirMessages(doctorPage)).ToHaveTextAsync(["Sebelum putus", .. five, "Sudah tersambung?"]);
        await Expect(Kit.MyMessage(patientPage, "Lima").GetByRole(AriaRole.Img, new() { Name = "Read" })).ToBeVisibleAsync();
        Assert.Empty(patientBrowser.Problems);
    }
}
