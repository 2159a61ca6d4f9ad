using System.Net.Http.Json;
using System.Text.Json;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.BrowserTests;

/// <summary>Set-up through the public API, for tests whose subject is what comes after it.</summary>
public static class Kit
{
    /// <summary>Booked now, paid through the simulator and accepted by the doctor: an active consultation.</summary>
    public static async Task<(Guid Id, Guid ConversationId)> ActiveConsultationAsync(ClinicChatApp app, TestUser patient, TestUser doctor)
    {
        var booked = await patient.Http.PostAsJsonAsync("/api/v1/consultations", new { doctorId = doctor.Id });
        await booked.EnsureSuccessAsync();
        var consultation = await booked.Content.ReadFromJsonAsync<JsonElement>();
        var id = consultation.GetProperty("id").GetGuid();
        var orderId = consultation.GetProperty("payment").GetProperty("orderId").GetString();
        // As the checkout page's form posts it: with the checkout token from the patient's redirect URL.
        var token = System.Web.HttpUtility.ParseQueryString(new Uri(consultation.GetProperty("payment").GetProperty("redirectUrl").GetString()!).Query)["t"]!;
        await (await app.CreateAnonymousClient().PostAsync($"/payments/simulator/{orderId}/approve",
            new FormUrlEncodedContent([KeyValuePair.Create("t", token)]))).EnsureSuccessAsync();
        var accepted = await doctor.Http.PostAsync($"/api/v1/consultations/{id}/accept", null);
        await accepted.EnsureSuccessAsync();
        var active = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        return (id, active.GetProperty("conversationId").GetGuid());
    }

    /// <summary>Types into the chat's message box and sends with Enter, as a person would.</summary>
    public static async Task SendAsync(IPage page, string text)
    {
        var box = page.GetByRole(AriaRole.Textbox, new() { Name = "Message" });
        await box.FillAsync(text);
        await box.PressAsync("Enter");
        await Expect(box).ToHaveValueAsync("");
    }

    /// <summary>The chat's message list.</summary>
    public static ILocator Messages(IPage page) => page.GetByRole(AriaRole.Log, new() { Name = "Messages" });

    /// <summary>The bubbles of messages written by the others in the conversation, in display order.</summary>
    public static ILocator TheirMessages(IPage page) => Messages(page).Locator("li.message.theirs .text");

    public static ILocator MyMessage(IPage page, string text) =>
        Messages(page).Locator("li.message.mine").Filter(new() { HasText = text });
}
