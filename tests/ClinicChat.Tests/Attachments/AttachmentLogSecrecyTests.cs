using ClinicChat.Tests.Realtime;

namespace ClinicChat.Tests.Attachments;

/// <summary>The access token a browser puts in an attachment URL never reaches the logs (captured at Trace).</summary>
public sealed class AttachmentLogSecrecyTests(AttachmentApp app) : IClassFixture<AttachmentApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task QueryTokensOnAttachmentRoutesAreNotLogged()
    {
        var (patient, nurse, care) = await app.CarePairAsync();
        var photo = await patient.UploadAsync(care, AttachmentTestKit.Png(), "q.png", "image/png");
        var anonymous = app.CreateAnonymousClient();
        var token = Uri.EscapeDataString(patient.AccessToken);
        var nurseToken = Uri.EscapeDataString(nurse.AccessToken);

        await anonymous.GetAsync($"/api/v1/attachments/{photo.Id}?access_token={token}", Ct);
        await anonymous.GetAsync($"/api/v1/attachments/{photo.Id}/thumbnail?access_token={token}", Ct);
        // Refused ones too: not found for the nurse (not sent yet), and a malformed id.
        await anonymous.GetAsync($"/api/v1/attachments/{photo.Id}?access_token={nurseToken}", Ct);
        await anonymous.GetAsync($"/api/v1/attachments/not-a-guid?access_token={nurseToken}", Ct);
        await anonymous.PostAsync($"/api/v1/conversations/{care}/attachments?access_token={token}",
            AttachmentTestKit.FileForm(AttachmentTestKit.Pdf(), "x.pdf", "application/pdf"), Ct);

        var lines = app.Logs.Lines.ToList();
        Assert.True(lines.Count > 10, "The capture saw almost nothing; the test would prove nothing.");
        foreach (var secret in new[] { patient.AccessToken, nurse.AccessToken, token, nurseToken })
        {
            var probe = secret[10..40];
            var leak = lines.FirstOrDefault(l => l.Contains(probe, StringComparison.Ordinal));
            Assert.True(leak is null, $"A token reached the logs: {leak}");
        }
    }
}
