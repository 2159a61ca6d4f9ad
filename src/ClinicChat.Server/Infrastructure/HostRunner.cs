namespace ClinicChat.Infrastructure;

public static class HostRunner
{
    /// <summary>Runs the server, or the <c>migrate</c> verb; start-up problems end as one clear line and exit code 1.</summary>
    public static async Task<int> RunClinicChatAsync(this WebApplication app, string[] args)
    {
        try
        {
            if (args.Contains("migrate", StringComparer.Ordinal))
            {
                await app.Services.GetRequiredService<Migrator>().MigrateAsync(CancellationToken.None);
                await Console.Out.WriteLineAsync("Migrations applied.");
                return 0;
            }

            await app.RunAsync();
            return 0;
        }
        catch (Exception e) when (FindStartupException(e) is { } startup)
        {
            await Console.Error.WriteLineAsync($"clinicchat: {startup.Message}");
            return 1;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync($"clinicchat: invalid configuration: {string.Join("; ", e.Failures)}");
            return 1;
        }
    }

    private static StartupException? FindStartupException(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is StartupException startup)
            {
                return startup;
            }

            if (e is AggregateException aggregate)
            {
                return aggregate.InnerExceptions.Select(FindStartupException).FirstOrDefault(s => s is not null);
            }
        }

        return null;
    }
}
