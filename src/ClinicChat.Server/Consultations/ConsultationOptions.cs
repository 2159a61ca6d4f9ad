using Microsoft.Extensions.Options;

namespace ClinicChat.Consultations;

public sealed class ConsultationOptions
{
    public const string Section = "Consultations";

    /// <summary>Length of a session, counted from the doctor's accept.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long before the end both sides get the warning event and system message.</summary>
    public TimeSpan WarningBefore { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a paid consultation waits for the doctor, counted from payment or the booked start, whichever is later.</summary>
    public TimeSpan AcceptTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a booking holds its slot while awaiting payment; also the gateway page's expiry.</summary>
    public TimeSpan PaymentTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the scheduler looks for due transitions.</summary>
    public TimeSpan SchedulerInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How far in the past a requested start may lie and still count as "now" (clock skew, slow networks).</summary>
    public TimeSpan StartGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How far ahead a patient may book.</summary>
    public TimeSpan MaxBookingAhead { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Unpaid bookings one patient may hold at once, so nobody can block a doctor's day without paying.</summary>
    public int MaxUnpaidPerPatient { get; set; } = 3;

    /// <summary>When a patient cancels a paid consultation, refund through the gateway at once instead of leaving it due for an admin.</summary>
    public bool AutoRefund { get; set; }
}

internal sealed class ConsultationOptionsValidator : IValidateOptions<ConsultationOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsultationOptions options)
    {
        var failures = new List<string>();
        void Positive(TimeSpan value, string key)
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"Consultations:{key} must be a positive TimeSpan such as 00:30:00 (got {value}).");
            }
        }

        Positive(options.Duration, nameof(options.Duration));
        Positive(options.WarningBefore, nameof(options.WarningBefore));
        Positive(options.AcceptTimeout, nameof(options.AcceptTimeout));
        Positive(options.PaymentTimeout, nameof(options.PaymentTimeout));
        Positive(options.SchedulerInterval, nameof(options.SchedulerInterval));
        Positive(options.MaxBookingAhead, nameof(options.MaxBookingAhead));
        if (options.StartGrace < TimeSpan.Zero)
        {
            failures.Add("Consultations:StartGrace must not be negative.");
        }

        if (options.WarningBefore >= options.Duration)
        {
            failures.Add($"Consultations:WarningBefore ({options.WarningBefore}) must be shorter than Consultations:Duration ({options.Duration}).");
        }

        if (options.MaxUnpaidPerPatient < 1)
        {
            failures.Add("Consultations:MaxUnpaidPerPatient must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
