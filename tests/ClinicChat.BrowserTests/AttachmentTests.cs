using System.Net.Http.Json;
using System.Text;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.BrowserTests;

/// <summary>
/// Photos and documents in a chat, from the picker and the clipboard to the other side's thumbnail and download.
/// Needs the server to link uploads on send (attachmentIds on POST .../messages and the hub's
/// SendMessageWithAttachments) and to return attachments on messages; without that the send is refused.
/// </summary>
public sealed class AttachmentTests(BrowserFixture fixture)
{
    [Fact]
    public async Task A_patient_pastes_a_photo_and_attaches_a_pdf_and_the_nurse_sees_the_thumbnail_and_downloads_the_pdf_unchanged()
    {
        var nurse = await fixture.App.CreateStaffAsync("nurse", $"Bidan Sari {Guid.NewGuid():N}"[..16]);
        var patient = await fixture.App.RegisterPatientAsync($"Made {Guid.NewGuid():N}"[..12]);
        var admin = await fixture.App.AdminAsync();
        await (await admin.Http.PutAsJsonAsync($"/api/v1/admin/patients/{patient.Id}/nurse", new { nurseId = nurse.Id }, TestContext.Current.CancellationToken)).EnsureSuccessAsync();
        var pdf = Pdf();

        await using var patientBrowser = await fixture.OpenAsync();
        var patientPage = patientBrowser.Page;
        await patientBrowser.SignInAsync(patient.Email, patient.Password);
        await patientPage.GetByRole(AriaRole.Link, new() { Name = "My nurse" }).ClickAsync();
        await Expect(patientPage.GetByRole(AriaRole.Heading, new() { Name = $"{nurse.DisplayName} (your nurse)" })).ToBeVisibleAsync();

        // A photo pasted into the message box, as from a screenshot: drawn on a canvas, put on the clipboard event.
        var box = patientPage.GetByRole(AriaRole.Textbox, new() { Name = "Message" });
        await box.EvaluateAsync("""
            async (box) => {
              const canvas = document.createElement("canvas");
              canvas.width = 320;
              canvas.height = 200;
              const g = canvas.getContext("2d");
              g.fillStyle = "#0f766e";
              g.fillRect(0, 0, 320, 200);
              g.fillStyle = "#ffffff";
              g.fillRect(40, 40, 120, 80);
              const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
              const data = new DataTransfer();
              data.items.add(new File([blob], "luka.png", { type: "image/png" }));
              box.focus();
              box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
            }
            """);
        // A document from the picker behind the Attach button.
        await patientPage.GetByLabel("Choose photos or documents").SetInputFilesAsync(
            new FilePayload { Name = "hasil lab.pdf", MimeType = "application/pdf", Buffer = pdf });

        var draft = patientPage.GetByRole(AriaRole.List, new() { Name = "Attachments to send" });
        await Expect(draft.Locator("li[data-status=done]")).ToHaveCountAsync(2);
        await Expect(draft).ToContainTextAsync("luka.png");
        await Expect(draft).ToContainTextAsync("hasil lab.pdf");
        await Kit.SendAsync(patientPage, "Foto luka dan hasil lab, Bu.");
        await Expect(draft).ToHaveCountAsync(0);
        var mine = Kit.MyMessage(patientPage, "Foto luka dan hasil lab, Bu.");
        // Stored by the server (not pending, not "Not sent"), with the photo in the bubble.
        await Expect(mine).ToHaveAttributeAsync("data-status", new System.Text.RegularExpressions.Regex("^(sent|delivered|read)$"));
        await Expect(mine.GetByRole(AriaRole.Img, new() { Name = "luka.png" })).ToBeVisibleAsync();
        await patientBrowser.ScreenshotAsync("patient-attachments");

        await using var nurseBrowser = await fixture.OpenAsync(width: 1280, height: 900);
        var nursePage = nurseBrowser.Page;
        await nurseBrowser.SignInAsync(nurse.Email, nurse.Password);
        await nursePage.GetByTestId("patient-row").Filter(new() { HasText = patient.DisplayName }).GetByRole(AriaRole.Link).ClickAsync();
        var theirs = Kit.Messages(nursePage).Locator("li.message.theirs").Filter(new() { HasText = "Foto luka dan hasil lab, Bu." });

        // The thumbnail comes from our own origin and has really loaded (a refused one has no natural width).
        var thumbnail = theirs.GetByRole(AriaRole.Img, new() { Name = "luka.png" });
        await Expect(thumbnail).ToBeVisibleAsync();
        await Expect(thumbnail).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("^/api/v1/attachments/[0-9a-f-]+/thumbnail\\?access_token="));
        await Expect(thumbnail).Not.ToHaveJSPropertyAsync("naturalWidth", 0);

        // It opens full size over the chat.
        await theirs.GetByRole(AriaRole.Link, new() { Name = "Open luka.png full size" }).ClickAsync();
        var lightbox = nursePage.GetByRole(AriaRole.Dialog, new() { Name = "luka.png" });
        await Expect(lightbox.GetByRole(AriaRole.Img, new() { Name = "luka.png" })).Not.ToHaveJSPropertyAsync("naturalWidth", 0);
        await nurseBrowser.ScreenshotAsync("nurse-attachment-lightbox");
        await lightbox.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        await Expect(lightbox).ToHaveCountAsync(0);

        // The PDF downloads byte for byte, under its own name.
        var download = await nursePage.RunAndWaitForDownloadAsync(() =>
            theirs.GetByRole(AriaRole.Link, new() { Name = "Download hasil lab.pdf", Exact = false }).ClickAsync());
        Assert.Equal("hasil lab.pdf", download.SuggestedFilename);
        Assert.Equal(pdf, await File.ReadAllBytesAsync(await download.PathAsync(), TestContext.Current.CancellationToken));

        Assert.Empty(patientBrowser.Problems);
        Assert.Empty(nurseBrowser.Problems);
    }

    /// <summary>A small well-formed PDF (header, catalog, trailer and end-of-file marker) with varied content.</summary>
    private static byte[] Pdf()
    {
        var head = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% hasil lab\n";
        const string tail = "\ntrailer << /Root 1 0 R >>\n%%EOF\n";
        var body = new StringBuilder(head);
        for (var i = 0; i < 3000; i++)
        {
            body.Append((char)('a' + (i * 7 % 26)));
        }

        return Encoding.ASCII.GetBytes(body.Append(tail).ToString());
    }
}
