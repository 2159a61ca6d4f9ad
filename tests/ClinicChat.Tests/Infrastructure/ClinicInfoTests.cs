using System.Net;
using System.Net.Http.Json;

namespace ClinicChat.Tests.Infrastructure;

public sealed class ClinicInfoTests(ClinicInfoTests.App app) : IClassFixture<ClinicInfoTests.App>
{
    public sealed class App : ClinicChatApp
    {
        public App()
        {
            Settings["Clinic:Name"] = "Klinik Sehat Sentosa";
            Settings["Clinic:DefaultLanguage"] = "en";
        }
    }

    private sealed record ClinicInfo(string Name, string TimeZone, string DefaultLanguage, string[] Languages, string Currency);

    [Fact]
    public async Task AnyoneCanReadTheClinicsNameZoneAndLanguageBeforeSigningIn()
    {
        var response = await app.CreateAnonymousClient().GetAsync("/api/v1/clinic", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var clinic = await response.Content.ReadFromJsonAsync<ClinicInfo>(TestContext.Current.CancellationToken);
        Assert.Equal(("Klinik Sehat Sentosa", "Asia/Jakarta", "en", "IDR"), (clinic!.Name, clinic.TimeZone, clinic.DefaultLanguage, clinic.Currency));
        Assert.Equal(["id", "en"], clinic.Languages);
    }
}
