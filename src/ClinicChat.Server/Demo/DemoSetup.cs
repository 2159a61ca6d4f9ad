using ClinicChat.Infrastructure;

namespace ClinicChat.Demo;

public static class DemoSetup
{
    /// <summary>Demo accounts, a doctor schedule and a care assignment in Development; it uses several features, so none of them owns it.</summary>
    public static WebApplicationBuilder AddDemo(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IDatabaseInitializer, DemoSeeder>();
        return builder;
    }
}
