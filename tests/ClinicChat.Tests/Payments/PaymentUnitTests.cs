using ClinicChat.Consultations;
using ClinicChat.Payments;

namespace ClinicChat.Tests.Payments;

public sealed class PaymentUnitTests
{
    [Fact]
    public void SignatureIsSha512OfOrderStatusAmountAndKeyInHex()
    {
        // SHA512("order-1" + "200" + "150000.00" + "key") computed independently with sha512sum.
        var signature = MidtransSignature.Compute("order-1", "200", "150000.00", "key");
        var notification = new MidtransNotification("order-1", "200", "150000.00", "settlement", "accept", signature);

        Assert.Equal(128, signature.Length);
        Assert.StartsWith("e0760016b1539f00edc0", signature, StringComparison.Ordinal);
        Assert.True(MidtransSignature.IsValid(notification, "key"));
        Assert.True(MidtransSignature.IsValid(notification with { SignatureKey = signature.ToUpperInvariant() }, "key"));
        Assert.False(MidtransSignature.IsValid(notification, "other-key"));
        Assert.False(MidtransSignature.IsValid(notification with { GrossAmount = "1.00" }, "key"));
        Assert.False(MidtransSignature.IsValid(notification with { SignatureKey = null }, "key"));
    }

    [Theory]
    [InlineData("150000.00", 150_000L)]
    [InlineData("150000", 150_000L)]
    [InlineData("150000.50", null)]
    [InlineData("-1.00", null)]
    [InlineData("abc", null)]
    public void AmountsAreWholeRupiah(string value, long? expected) => Assert.Equal(expected, MidtransNotification.ParseAmount(value));

    [Fact]
    public void BaseUrlsDefaultBySandboxOrProduction()
    {
        Assert.Equal("https://app.sandbox.midtrans.com/", new MidtransOptions().SnapBase.ToString());
        Assert.Equal("https://api.sandbox.midtrans.com/", new MidtransOptions().ApiBase.ToString());
        Assert.Equal("https://app.midtrans.com/", new MidtransOptions { IsProduction = true }.SnapBase.ToString());
        Assert.Equal("https://api.midtrans.com/", new MidtransOptions { IsProduction = true }.ApiBase.ToString());
        Assert.Equal("http://127.0.0.1:9/x/", new MidtransOptions { SnapBaseUrl = "http://127.0.0.1:9/x" }.SnapBase.ToString());
    }

    [Fact]
    public void OptionsAreValidatedAtStart()
    {
        var consultations = new ConsultationOptionsValidator();
        Assert.True(consultations.Validate(null, new ConsultationOptions()).Succeeded);
        Assert.Contains("WarningBefore", consultations.Validate(null, new ConsultationOptions { WarningBefore = TimeSpan.FromMinutes(30) }).FailureMessage, StringComparison.Ordinal);
        Assert.Contains("AcceptTimeout", consultations.Validate(null, new ConsultationOptions { AcceptTimeout = TimeSpan.Zero }).FailureMessage, StringComparison.Ordinal);

        var midtrans = new MidtransOptionsValidator(
            new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = "Testing" },
            new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        Assert.True(midtrans.Validate(null, new MidtransOptions()).Succeeded);
        Assert.False(midtrans.Validate(null, new MidtransOptions { ApiBaseUrl = "not a url" }).Succeeded);
        var sandboxKeyInProduction = midtrans.Validate(null, new MidtransOptions { ServerKey = "SB-Mid-server-secret", IsProduction = true });
        Assert.False(sandboxKeyInProduction.Succeeded);
        Assert.DoesNotContain("secret", sandboxKeyInProduction.FailureMessage, StringComparison.Ordinal);
    }
}
