using System.Text.RegularExpressions;

namespace ClinicChat.BrowserTests;

public sealed class ConsultationTests(BrowserFixture fixture)
{
    [Fact]
    public async Task A_patient_books_and_pays_the_doctor_accepts_live_and_both_chat_with_typing_and_read_ticks()
    {
        var doctor = await fixture.CreateDoctorAsync("dr. Ayu Kartika, Sp.A", "Anak", 150_000);
        await using var doctorBrowser = await fixture.OpenAsync(width: 1280, height: 900);
        var doctorPage = doctorBrowser.Page;
        await doctorBrowser.SignInAsync(doctor.Email, doctor.Password);
        await Expect(doctorPage.GetByRole(AriaRole.Heading, new() { Name = "Queue" })).ToBeVisibleAsync();
        await Expect(doctorPage.GetByText("No paid requests are waiting.")).ToBeVisibleAsync();

        // The patient signs up, finds the doctor and books "now".
        await using var patientBrowser = await fixture.OpenAsync();
        var patientPage = patientBrowser.Page;
        await patientPage.GotoAsync("/signup");
        await patientPage.GetByLabel("Your name").FillAsync("Ni Putu Ayu");
        await patientPage.GetByLabel("Email").FillAsync($"ayu-{Guid.NewGuid():N}@example.com");
        await patientPage.GetByLabel("Password").FillAsync("ayu-password-1");
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        var card = patientPage.GetByTestId("doctor-card").Filter(new() { HasText = "dr. Ayu Kartika, Sp.A" });
        await Expect(card).ToContainTextAsync("Rp 150.000");
        await card.GetByRole(AriaRole.Link, new() { Name = "Book a consultation with dr. Ayu Kartika, Sp.A" }).ClickAsync();
        await Expect(patientPage.GetByRole(AriaRole.Heading, new() { Name = "Book dr. Ayu Kartika, Sp.A" })).ToBeVisibleAsync();
        await Expect(patientPage.GetByLabel("Now")).ToBeCheckedAsync();
        await patientBrowser.ScreenshotAsync("patient-booking");
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Continue to payment (Rp 150.000)" }).ClickAsync();

        // The simulated checkout, then back to the consultation page.
        await Expect(patientPage.GetByRole(AriaRole.Heading, new() { Name = "Simulated payment" })).ToBeVisibleAsync();
        await patientBrowser.ScreenshotAsync("simulated-checkout");
        await patientPage.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Pay IDR") }).ClickAsync();
        await Expect(patientPage.GetByRole(AriaRole.Heading, new() { Name = "Payment approved" })).ToBeVisibleAsync();
        await patientPage.GetByRole(AriaRole.Link, new() { Name = "Back to your consultation" }).ClickAsync();
        await Expect(patientPage).ToHaveURLAsync(new Regex("/consultations/[0-9a-f-]{36}$"));
        var patientStatus = patientPage.GetByTestId("consultation-status");
        await Expect(patientStatus).ToContainTextAsync("Paid, waiting for the doctor");

        // The request reaches the doctor's open queue without a reload.
        var request = doctorPage.GetByTestId("request-card").Filter(new() { HasText = "Ni Putu Ayu" });
        await Expect(request).ToContainTextAsync("Rp 150.000");
        await doctorBrowser.ScreenshotAsync("doctor-queue");
        await request.GetByRole(AriaRole.Button, new() { Name = "Accept Ni Putu Ayu" }).ClickAsync();
        var doctorStatus = doctorPage.GetByTestId("consultation-status");
        await Expect(doctorStatus).ToContainTextAsync("In session");
        await Expect(doctorPage.GetByTestId("countdown")).ToContainTextAsync(new Regex(@"(30:00|29:\d\d)"));

        // The patient's page turns active by itself.
        await Expect(patientStatus).ToContainTextAsync("In session");
        await Expect(patientPage.GetByTestId("countdown")).ToContainTextAsync(new Regex(@"(30:00|29:\d\d)"));
        await Expect(Kit.Messages(patientPage)).ToContainTextAsync("Consultation started.");
        await Expect(doctorPage.GetByRole(AriaRole.List, new() { Name = "Members" }).GetByRole(AriaRole.Img, new() { Name = "Online" })).ToBeVisibleAsync();

        // Typing shows on the other side, and the message arrives live.
        var patientBox = patientPage.GetByRole(AriaRole.Textbox, new() { Name = "Message" });
        await patientBox.FillAsync("Selamat pagi, dok. Saya demam sejak kemarin.");
        await Expect(doctorPage.GetByText("Ni Putu Ayu is typing…")).ToBeVisibleAsync();
        await patientBox.PressAsync("Enter");
        await Expect(Kit.TheirMessages(doctorPage).Last).ToHaveTextAsync("Selamat pagi, dok. Saya demam sejak kemarin.");
        await Expect(doctorPage.GetByText("Ni Putu Ayu is typing…")).ToBeHiddenAsync();

        // The doctor has the chat open, so the patient's message is read.
        await Expect(Kit.MyMessage(patientPage, "Selamat pagi").GetByRole(AriaRole.Img, new() { Name = "Read" })).ToBeVisibleAsync();

        await Kit.SendAsync(doctorPage, "Selamat pagi. Sudah berapa derajat suhunya?");
        await Expect(Kit.TheirMessages(patientPage).Last).ToHaveTextAsync("Selamat pagi. Sudah berapa derajat suhunya?");
        await Expect(Kit.MyMessage(doctorPage, "berapa derajat").GetByRole(AriaRole.Img, new() { Name = "Read" })).ToBeVisibleAsync();

        // Shift+Enter writes a new line instead of sending.
        await patientBox.FillAsync("38,5");
        await patientBox.PressAsync("Shift+Enter");
        await patientBox.PressSequentiallyAsync("sejak pagi");
        await Expect(patientBox).ToHaveValueAsync("38,5\nsejak pagi");
        await patientBox.PressAsync("Enter");
        await Expect(Kit.TheirMessages(doctorPage).Last).ToHaveTextAsync("38,5\nsejak pagi");

        await patientBrowser.ScreenshotAsync("patient-consultation-chat");
        await doctorBrowser.ScreenshotAsync("doctor-consultation-chat");

        // Both lists show it in session.
        await patientPage.GetByRole(AriaRole.Link, new() { Name = "My consultations" }).ClickAsync();
        await Expect(patientPage.GetByTestId("consultation-card").Filter(new() { HasText = "dr. Ayu Kartika, Sp.A" })).ToContainTextAsync("In session");
        await patientBrowser.ScreenshotAsync("patient-consultations");
        Assert.Empty(patientBrowser.Problems);
        Assert.Empty(doctorBrowser.Problems);
    }
}
