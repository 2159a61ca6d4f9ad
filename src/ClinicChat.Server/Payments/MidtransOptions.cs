using Microsoft.Extensions.Options;

namespace ClinicChat.Payments;

public sealed class MidtransOptions
{
    public const string Section = "Payments:Midtrans";

    public const string SandboxSnapBaseUrl = "https://app.sandbox.midtrans.com";
    public const string SandboxApiBaseUrl = "https://api.sandbox.midtrans.com";
    public const string ProductionSnapBaseUrl = "https://app.midtrans.com";
    public const string ProductionApiBaseUrl = "https://api.midtrans.com";

    /// <summary>Secret: signs Basic auth and webhook signatures. Empty selects the simulated gateway.</summary>
    public string? ServerKey { get; set; }

    /// <summary>Public key for Snap.js in a browser; the server only passes it through.</summary>
    public string? ClientKey { get; set; }

    public string? SnapBaseUrl { get; set; }

    public string? ApiBaseUrl { get; set; }

    public bool IsProduction { get; set; }

    /// <summary>Per-request timeout towards Midtrans; the webhook re-check must stay well inside Midtrans' own wait.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public bool Enabled => !string.IsNullOrWhiteSpace(ServerKey);

    public Uri SnapBase => new((string.IsNullOrWhiteSpace(SnapBaseUrl) ? (IsProduction ? ProductionSnapBaseUrl : SandboxSnapBaseUrl) : SnapBaseUrl).TrimEnd('/') + "/");

    public Uri ApiBase => new((string.IsNullOrWhiteSpace(ApiBaseUrl) ? (IsProduction ? ProductionApiBaseUrl : SandboxApiBaseUrl) : ApiBaseUrl).TrimEnd('/') + "/");
}

internal sealed class MidtransOptionsValidator(IHostEnvironment environment, IConfiguration configuration) : IValidateOptions<MidtransOptions>
{
    /// <summary>Lets a Production server run the simulated gateway anyway (a demo or a load test, never real money).</summary>
    public const string AllowSimulatorKey = "Payments:AllowSimulator";

    public ValidateOptionsResult Validate(string? name, MidtransOptions options)
    {
        var failures = new List<string>();

        // The simulator confirms payments that move no money: a real clinic must not run it by accident.
        // Validated on start, before the database is touched, so a misconfigured server refuses at once.
        var setting = configuration[AllowSimulatorKey];
        var allowSimulator = false;
        if (!string.IsNullOrWhiteSpace(setting) && !bool.TryParse(setting, out allowSimulator))
        {
            failures.Add($"{AllowSimulatorKey} must be true or false.");
        }
        else if (!options.Enabled && environment.IsProduction() && !allowSimulator)
        {
            failures.Add("no Midtrans server key is set in Production, and the simulated gateway confirms payments without taking any money. "
                + "Set Payments__Midtrans__ServerKey, or Payments__AllowSimulator=true to run the simulator anyway.");
        }
        foreach (var (key, value) in new[] { ("SnapBaseUrl", options.SnapBaseUrl), ("ApiBaseUrl", options.ApiBaseUrl) })
        {
            if (!string.IsNullOrWhiteSpace(value)
                && (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")))
            {
                failures.Add($"Payments:Midtrans:{key} must be an absolute http(s) URL.");
            }
        }

        if (options.RequestTimeout <= TimeSpan.Zero || options.RequestTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add("Payments:Midtrans:RequestTimeout must be between 00:00:01 and 00:01:00.");
        }

        // Never echo the key itself: only say which mismatch was found.
        if (options.Enabled && options.IsProduction && options.ServerKey!.StartsWith("SB-", StringComparison.Ordinal))
        {
            failures.Add("Payments:Midtrans:IsProduction is true but ServerKey is a sandbox key (SB-...).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
