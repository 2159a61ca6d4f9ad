using ClinicChat.Attachments;
using ClinicChat.Tests.Infrastructure;

namespace ClinicChat.Tests.Attachments;

/// <summary>Attachment settings are checked at start-up; a wrong one is a one-line error, not a failure at the first upload.</summary>
public sealed class AttachmentOptionsTests
{
    [Fact]
    public async Task AFilesystemStoreWithoutAPathStopsTheServerWithOneLine()
    {
        var result = await ServerProcess.RunAsync([], new()
        {
            ["CLINICCHAT_DATABASE"] = $"Host=127.0.0.1;Port={Clamd.FreePort()};Username=postgres;Database=clinic;Timeout=5",
            ["Attachments__Store"] = "filesystem",
        }, TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 1, result.ToString());
        var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, result.ToString());
        Assert.StartsWith("clinicchat: ", lines[0], StringComparison.Ordinal);
        Assert.Contains("Attachments:Path", lines[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Store", "s3", "Attachments:Store")]
    [InlineData("ClamAv", "clamd-without-port", "Attachments:ClamAv")]
    [InlineData("ClamAv", "localhost:99999", "Attachments:ClamAv")]
    [InlineData("QuotaBytesPerUser", "2048", "Attachments:QuotaBytesPerUser")]
    [InlineData("UnsentLifetime", "-01:00:00", "Attachments:UnsentLifetime")]
    public void InvalidSettingsAreNamed(string property, string value, string named)
    {
        var options = new AttachmentOptions();
        switch (property)
        {
            case "Store": options.Store = value; break;
            case "ClamAv": options.ClamAv = value; break;
            case "QuotaBytesPerUser": options.QuotaBytesPerUser = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            default: options.UnsentLifetime = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
        }

        var result = new AttachmentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(named, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefaultsAreValidAndAClamdAddressParses()
    {
        Assert.True(new AttachmentOptionsValidator().Validate(null, new AttachmentOptions()).Succeeded);
        Assert.Equal(("clamd.internal", 3310), new AttachmentOptions { ClamAv = "clamd.internal:3310" }.ClamAvEndpoint);
        Assert.Equal(10 * 1024 * 1024, new AttachmentOptions().MaxBytes);
        Assert.Equal(500L * 1024 * 1024, new AttachmentOptions().QuotaBytesPerUser);
    }
}
