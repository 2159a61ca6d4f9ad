using System.Net;
using System.Net.Http.Json;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;
using static ClinicChat.Tests.Realtime.ChatTestKit;

namespace ClinicChat.Tests.Support;

/// <summary>A message to the desk is a chat message: the same text rules, the same per-user send limit.</summary>
public sealed class SupportSendRulesTests(TightLimitsApp app) : IClassFixture<TightLimitsApp>
{
    public static TheoryData<string?, string?> BadSends => new()
    {
        { "blank", "   " },
        { "control", "a\u0007b" },
        { "long", new string('a', 5001) },
        { null, "no client message id" },
        { "no-text", null },
    };

    [Theory]
    [MemberData(nameof(BadSends))]
    public async Task BadSupportSendsAreRefusedWithTheSameFieldErrorsAsAChatSend(string? clientMessageId, string? text)
    {
        var (patient, _, care) = await app.CarePairAsync();

        var viaChat = await patient.Http.PostAsJsonAsync($"/api/v1/conversations/{care}/messages", new { clientMessageId, text }, Ct);
        var viaSupport = await patient.Http.PostAsJsonAsync("/api/v1/support/messages", new { clientMessageId, text }, Ct);

        var chatErrors = (await viaChat.AssertProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        var supportErrors = (await viaSupport.AssertProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors");
        Assert.Equal(chatErrors.ToString(), supportErrors.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await patient.Http.GetAsync("/api/v1/support/room", Ct)).StatusCode);
    }

    [Fact]
    public async Task SupportSendsShareThePerUserSendLimitWithChatAndAnswer429WithRetryAfter()
    {
        var (patient, _, care) = await app.CarePairAsync();

        // A burst of three, however it is spread over chat and support.
        await patient.SendAsync(care, "satu");
        await patient.SendAsync(care, "dua");
        var first = await patient.SendToSupportAsync("tiga");

        var supportRefused = await patient.Http.PostAsJsonAsync("/api/v1/support/messages", new { clientMessageId = "s-4", text = "empat" }, Ct);
        var chatRefused = await patient.PostMessageAsync(care, "lima");

        var supportProblem = await supportRefused.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        var chatProblem = await chatRefused.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(TimeSpan.FromSeconds(1), supportRefused.Headers.RetryAfter?.Delta);
        Assert.Equal(chatProblem.GetProperty("detail").GetString(), supportProblem.GetProperty("detail").GetString());
        Assert.Equal(1, (await patient.GetSupportRoomAsync(first.ConversationId)).LastSeq);

        app.Clock.Advance(TimeSpan.FromSeconds(1));
        var later = await patient.SendToSupportAsync("empat", "s-4");
        Assert.Equal(2, later.Seq);
    }
}
