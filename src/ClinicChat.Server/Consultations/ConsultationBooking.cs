using System.Globalization;
using ClinicChat.Audit;
using ClinicChat.Doctors;
using ClinicChat.Infrastructure;
using ClinicChat.Payments;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClinicChat.Consultations;

/// <summary>
/// Books a slot and opens its payment in one transaction. The doctor's profile row is locked FOR UPDATE
/// first, so bookings for one doctor are serialised: the overlap count and the insert cannot interleave
/// with another booking, and of two patients racing for the last place exactly one gets it. The gateway
/// call happens inside that transaction, so when the gateway fails nothing is committed and the slot stays free.
/// </summary>
public sealed partial class ConsultationBooking(
    NpgsqlDataSource dataSource,
    DoctorDirectory doctors,
    IPaymentGateway gateway,
    ConsultationLifecycle lifecycle,
    ConsultationReader reader,
    ConsultationEvents events,
    AuditLog audit,
    IOptions<ConsultationOptions> options,
    IOptions<ClinicOptions> clinic,
    TimeProvider time,
    ILogger<ConsultationBooking> logger)
{
    public async Task<Outcome<ConsultationDto>> BookAsync(Guid patientId, BookConsultationRequest request, Uri publicBase, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var zone = clinic.Value.TimeZoneInfo;
        var now = time.GetUtcNow();
        var errors = new FieldErrors();
        if (request.DoctorId is not { } doctorId || doctorId == Guid.Empty)
        {
            return Failure.Invalid(errors.Add("doctorId", "doctorId is required."));
        }

        // Npgsql writes only UTC offsets to timestamptz; clients may send any offset.
        var start = (request.StartAt ?? now).ToUniversalTime();
        if (start < now - settings.StartGrace)
        {
            errors.Add("startAt", $"startAt {start.UtcDateTime:u} is in the past; omit it to start now, or pick a future time.");
        }
        else if (start > now + settings.MaxBookingAhead)
        {
            errors.Add("startAt", $"startAt may be at most {settings.MaxBookingAhead.TotalDays:0} days ahead.");
        }

        if (start < now)
        {
            start = now;
        }

        var schedule = await doctors.FindScheduleAsync(doctorId, cancellationToken);
        if (schedule is null)
        {
            return Failure.Invalid(errors.Add("doctorId", "No doctor with this id."));
        }

        if (!errors.Any && !schedule.Contains(start, zone))
        {
            errors.Add("startAt", DescribeOutsideSchedule(schedule, start, zone, request.StartAt is null));
        }

        if (errors.Any)
        {
            return Failure.Invalid(errors);
        }

        var end = start + settings.Duration;
        var notices = new List<ConsultationNotice>();
        Guid consultationId;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var doctor = await connection.QuerySingleOrDefaultAsync<DoctorLock>(new CommandDefinition(
                """
                select p.fee, p.capacity, u.display_name from doctor_profiles p join users u on u.id = p.doctor_id
                where p.doctor_id = @DoctorId and u.role = 'doctor' and u.disabled_at is null
                for update of p
                """,
                new { DoctorId = doctorId }, transaction, cancellationToken: cancellationToken));
            if (doctor is null)
            {
                return Failure.Invalid(errors.Add("doctorId", "No doctor with this id."));
            }

            var patient = await connection.QuerySingleAsync<PatientRow>(new CommandDefinition(
                """
                select u.display_name, u.email,
                       (select count(*) from consultations where patient_id = u.id and status = 'awaiting_payment' and payment_due_at > @Now) as unpaid
                from users u where u.id = @PatientId
                """,
                new { PatientId = patientId, Now = now }, transaction, cancellationToken: cancellationToken));
            if (patient.Unpaid >= settings.MaxUnpaidPerPatient)
            {
                return FieldConflict("consultation.too_many_unpaid", "doctorId", $"You already have {patient.Unpaid} unpaid bookings; pay or let them expire before booking again.");
            }

            // Bookings whose payment or accept window has already run out hold nothing, even before the scheduler has cancelled them.
            var overlapping = (await connection.QueryAsync<(DateTimeOffset StartsAt, DateTimeOffset EndsAt)>(new CommandDefinition(
                """
                select starts_at, ends_at from consultations
                where doctor_id = @DoctorId and status <> 'cancelled' and starts_at < @End and ends_at > @Start
                  and not (status = 'awaiting_payment' and payment_due_at <= @Now)
                  and not (status = 'paid' and accept_due_at <= @Now)
                """,
                new { DoctorId = doctorId, Start = start, End = end, Now = now }, transaction, cancellationToken: cancellationToken))).AsList();
            if (MaxConcurrent(overlapping, start, end) >= doctor.Capacity)
            {
                var local = TimeZoneInfo.ConvertTime(start, zone);
                return FieldConflict("doctor.fully_booked", "startAt",
                    $"{doctor.DisplayName} is fully booked at {local:yyyy-MM-dd HH:mm} ({clinic.Value.TimeZone}); choose another time.");
            }

            consultationId = Guid.CreateVersion7();
            await connection.ExecuteAsync(new CommandDefinition(
                """
                insert into consultations (id, patient_id, doctor_id, status, fee, starts_at, ends_at, created_at, payment_due_at)
                values (@Id, @PatientId, @DoctorId, 'awaiting_payment', @Fee, @Start, @End, @Now, @PaymentDue)
                """,
                new { Id = consultationId, PatientId = patientId, DoctorId = doctorId, doctor.Fee, Start = start, End = end, Now = now, PaymentDue = now + settings.PaymentTimeout },
                transaction, cancellationToken: cancellationToken));

            if (doctor.Fee == 0)
            {
                // Nothing to pay: Midtrans refuses zero amounts, and there is nothing to wait for.
                var locked = await ConsultationLifecycle.LockAsync(connection, transaction, consultationId, cancellationToken);
                notices.Add(await lifecycle.MarkPaidAsync(connection, transaction, locked!, cancellationToken));
            }
            else
            {
                var orderId = "cc-" + Guid.CreateVersion7().ToString("N");
                PaymentSession session;
                try
                {
                    session = await gateway.CreateAsync(new PaymentRequest(orderId, patientId, doctor.Fee, patient.DisplayName, patient.Email,
                        $"Consultation with {doctor.DisplayName}", now, settings.PaymentTimeout, publicBase,
                        new Uri(publicBase, $"/consultations/{consultationId}")), cancellationToken);
                }
                catch (PaymentGatewayException e)
                {
                    LogGatewayFailed(e, gateway.Provider, doctorId);
                    return new Failure("payment.gateway_unavailable", FailureKind.BadGateway,
                        "The payment gateway is unavailable right now; nothing was booked. Try again in a moment.", Title: "Payment gateway unavailable");
                }

                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    insert into payments (id, consultation_id, provider, order_id, amount, status, token, redirect_url, created_at, updated_at)
                    values (@Id, @ConsultationId, @Provider, @OrderId, @Amount, 'pending', @Token, @RedirectUrl, @Now, @Now)
                    """,
                    new
                    {
                        Id = Guid.CreateVersion7(),
                        ConsultationId = consultationId,
                        gateway.Provider,
                        OrderId = orderId,
                        Amount = doctor.Fee,
                        session.Token,
                        session.RedirectUrl,
                        Now = now,
                    },
                    transaction, cancellationToken: cancellationToken));
            }

            await audit.WriteAsync(connection, transaction, patientId, "consultation.booked", "consultation", consultationId.ToString(),
                new { doctorId, fee = doctor.Fee }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await events.PublishAsync(notices, cancellationToken);
        await using var read = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await reader.FindAsync(read, null, consultationId, cancellationToken))!;
    }

    /// <summary>A conflict that also names the field it is about, so a booking form can show it in place.</summary>
    private static Failure FieldConflict(string code, string field, string message) =>
        new(code, FailureKind.Conflict, message, Errors: new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>The most consultations running at one instant inside [start, end): a sweep over the overlapping ones.</summary>
    private static int MaxConcurrent(List<(DateTimeOffset StartsAt, DateTimeOffset EndsAt)> overlapping, DateTimeOffset start, DateTimeOffset end)
    {
        var max = 0;
        // Concurrency only rises at a start, so checking the window's start and every start inside it is enough.
        foreach (var point in overlapping.Select(o => o.StartsAt).Where(s => s > start && s < end).Append(start))
        {
            max = Math.Max(max, overlapping.Count(o => o.StartsAt <= point && point < o.EndsAt));
        }

        return max;
    }

    private static string DescribeOutsideSchedule(WeeklySchedule schedule, DateTimeOffset start, TimeZoneInfo zone, bool now)
    {
        var local = TimeZoneInfo.ConvertTime(start, zone);
        var when = now ? "now" : local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        var day = schedule.Intervals.Where(i => i.Day == local.DayOfWeek).ToList();
        return day.Count == 0
            ? $"The doctor does not work on {local.DayOfWeek}s (asked for {when}, clinic time {zone.Id})."
            : $"The doctor works {string.Join(", ", day.Select(i => $"{i.Start:HH\\:mm}-{i.End:HH\\:mm}"))} on {local.DayOfWeek}s; {when} (clinic time {zone.Id}) is outside those hours.";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Booking with doctor {DoctorId} failed: the {Provider} payment gateway is unavailable")]
    private partial void LogGatewayFailed(Exception exception, string provider, Guid doctorId);

    private sealed record DoctorLock(long Fee, int Capacity, string DisplayName);

    private sealed record PatientRow(string DisplayName, string Email, long Unpaid);
}
