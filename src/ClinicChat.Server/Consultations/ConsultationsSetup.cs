using Microsoft.Extensions.Options;

namespace ClinicChat.Consultations;

public static class ConsultationsSetup
{
    public static WebApplicationBuilder AddConsultations(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConsultationOptions>().BindConfiguration(ConsultationOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ConsultationOptions>, ConsultationOptionsValidator>();
        builder.Services.AddSingleton<ConsultationReader>();
        builder.Services.AddSingleton<ConsultationEvents>();
        builder.Services.AddSingleton<ConsultationLifecycle>();
        builder.Services.AddSingleton<ConsultationBooking>();
        builder.Services.AddSingleton<ConsultationCancellation>();
        builder.Services.AddSingleton<ConsultationScheduler>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ConsultationScheduler>());
        return builder;
    }
}
