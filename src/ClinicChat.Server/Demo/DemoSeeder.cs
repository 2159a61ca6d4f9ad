using ClinicChat.Accounts;
using ClinicChat.Articles;
using ClinicChat.Care;
using ClinicChat.Doctors;
using ClinicChat.Infrastructure;

namespace ClinicChat.Demo;

/// <summary>Demo accounts for Development, so that every role can be tried straight after ./run.</summary>
internal sealed partial class DemoSeeder(
    IHostEnvironment environment,
    AccountService accounts,
    UserStore users,
    DoctorDirectory doctors,
    CareService care,
    ArticleStore articles,
    ILogger<DemoSeeder> logger) : IDatabaseInitializer
{
    public const string Password = "demo-password-1";

    public static readonly (string Email, string Name, string Role)[] Accounts =
    [
        ("admin@clinic.test", "Admin Demo", Roles.Admin),
        ("dr.sari@clinic.test", "dr. Sari Wulandari", Roles.Doctor),
        ("dr.budi@clinic.test", "dr. Budi Santoso, Sp.A", Roles.Doctor),
        ("nurse.rina@clinic.test", "Bidan Rina", Roles.Nurse),
        ("andi@clinic.test", "Andi Pratama", Roles.Patient),
        ("dewi@clinic.test", "Dewi Lestari", Roles.Patient),
    ];

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (!environment.IsDevelopment() || await users.FindByEmailAsync(Accounts[0].Email, cancellationToken) is not null)
        {
            return;
        }

        var ids = new Dictionary<string, Guid>();
        foreach (var (email, name, role) in Accounts)
        {
            if (await accounts.CreateUserAsync(email, Password, name, role, actorId: null, cancellationToken) is { Value: { } created })
            {
                ids[email] = created.Id;
            }
        }

        var admin = ids[Accounts[0].Email];
        var everyDay = Enum.GetValues<DayOfWeek>();
        await doctors.UpdateProfileAsync(ids["dr.sari@clinic.test"], "General practitioner", 150_000,
            "Family medicine, fever, cough and everyday complaints.", admin, cancellationToken);
        await doctors.ReplaceScheduleAsync(ids["dr.sari@clinic.test"],
            new WeeklySchedule([.. everyDay.Select(d => new ScheduleInterval(d, new TimeOnly(0, 0), new TimeOnly(23, 59)))]), admin, cancellationToken);
        await doctors.UpdateProfileAsync(ids["dr.budi@clinic.test"], "Pediatrics", 250_000,
            "Children's health, growth and immunisation.", admin, cancellationToken);
        await doctors.ReplaceScheduleAsync(ids["dr.budi@clinic.test"],
            new WeeklySchedule([.. everyDay.Where(d => d is not DayOfWeek.Sunday).Select(d => new ScheduleInterval(d, new TimeOnly(8, 0), new TimeOnly(20, 0)))]), admin, cancellationToken);
        foreach (var patient in new[] { "andi@clinic.test", "dewi@clinic.test" })
        {
            await care.AssignAsync(ids[patient], ids["nurse.rina@clinic.test"], admin, cancellationToken);
        }

        await ArticleDemoContent.SeedAsync(articles, admin, cancellationToken);
        LogSeeded(ids.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded {Count} demo accounts")]
    private partial void LogSeeded(int count);
}
