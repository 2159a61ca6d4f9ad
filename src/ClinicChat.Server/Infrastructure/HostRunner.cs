using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace ClinicChat.Infrastructure;

public static class HostRunner
{
    /// <summary>
    /// Configuration is read and validated in several places before <see cref="RunClinicChatAsync"/> runs: the
    /// builder reads some limits directly, and mapping the hub resolves hub options (which read validated limits).
    /// A bad setting found there would otherwise end the process with an unhandled-exception stack trace and
    /// SIGABRT; this reports it as the same one line and exit code 1. Anything not recognised as a start-up
    /// failure still crashes loudly.
    /// </summary>
    public static void ReportStartupFailuresAsOneLine() =>
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            if (DescribeStartupFailure(e.ExceptionObject as Exception) is { } message)
            {
                Console.Error.WriteLine($"clinicchat: {message}");
                Console.Error.Flush();
                Environment.Exit(1);
            }
        };

    /// <summary>
    /// Runs the server, or the <c>migrate</c> verb, or <c>openapi FILE</c> (writes the API document and exits, without
    /// a database); start-up problems end as one clear line and exit code 1.
    /// </summary>
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

            if (args is ["openapi", var path])
            {
                await app.WriteOpenApiDocumentAsync(path, CancellationToken.None);
                return 0;
            }

            await app.RunAsync();
            return 0;
        }
        catch (Exception e) when (DescribeStartupFailure(e) is { } message)
        {
            await Console.Error.WriteLineAsync($"clinicchat: {message}");
            return 1;
        }
    }

    private static string? DescribeStartupFailure(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case StartupException startup:
                    return startup.Message;
                case OptionsValidationException options:
                    return $"invalid configuration: {string.Join("; ", options.Failures)}";
                case InvalidOperationException binding when binding.TargetSite?.DeclaringType?.Namespace == typeof(ConfigurationBinder).Namespace:
                    // "Failed to convert configuration value at 'Limits:SendsPerSecond' to type 'System.Int32'."
                    return $"invalid configuration: {binding.Message}";
                case IOException { InnerException: AddressInUseException } bind:
                    // Kestrel's message names the address: "Failed to bind to address http://...: address already in use."
                    return $"{bind.Message} Set ASPNETCORE_URLS to a free address.";
                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Select(DescribeStartupFailure).FirstOrDefault(m => m is not null);
            }
        }

        return null;
    }
}
