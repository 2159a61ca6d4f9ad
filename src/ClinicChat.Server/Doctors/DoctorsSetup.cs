namespace ClinicChat.Doctors;

public static class DoctorsSetup
{
    public static WebApplicationBuilder AddDoctors(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DoctorDirectory>();
        return builder;
    }
}
