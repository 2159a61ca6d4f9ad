namespace ClinicChat.Care;

public static class CareSetup
{
    public static WebApplicationBuilder AddCare(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CareService>();
        return builder;
    }
}
