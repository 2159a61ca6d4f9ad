using System.Net;
using System.Net.Http.Json;
using ClinicChat.Tests.Infrastructure;
using Dapper;

namespace ClinicChat.Tests.Consultations;

/// <summary>Booking rules. The clock stays at Monday 2026-11-16 10:00 Jakarta (03:00 UTC) in this class.</summary>
public sealed class BookingTests(ConsultationApp app) : IClassFixture<ConsultationApp>
{
    private static readonly TimeSpan Jakarta = TimeSpan.FromHours(7);

    private static readonly object[] WeekdayMornings =
    [
        new { dayOfWeek = "Monday", start = "08:00", end = "17:00" },
        new { dayOfWeek = "Tuesday", start = "08:00", end = "12:00" },
    ];

    private static DateTimeOffset Local(int day, int hour, int minute = 0) => new DateTimeOffset(2026, 11, day, hour, minute, 0, Jakarta);

    private static async Task<(HttpStatusCode Status, System.Text.Json.JsonElement Body)> TryBookAsync(TestUser patient, object body)
    {
        var response = await patient.Http.PostAsJsonAsync("/api/v1/consultations", body);
        return (response.StatusCode, await response.ProblemAsync());
    }

    [Fact]
    public async Task BookingNowAnswers201WithConsultationAndPayment()
    {
        var doctor = await app.CreateDoctorAsync(fee: 175_000, schedule: WeekdayMornings);
        var patient = await app.RegisterPatientAsync();

        var response = await patient.Http.PostAsJsonAsync("/api/v1/consultations", new { doctorId = doctor.Id }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var booked = (await response.Content.ReadFromJsonAsync<ConsultationView>(TestContext.Current.CancellationToken))!;
        Assert.Equal(new Uri(app.BaseAddress, $"/api/v1/consultations/{booked.Id}"), new Uri(app.BaseAddress, response.Headers.Location!));
        Assert.Equal(patient.Id, booked.PatientId);
        Assert.Equal(doctor.Id, booked.DoctorId);
        Assert.Equal(175_000, booked.Fee);
        Assert.Equal(app.Clock.GetUtcNow(), booked.StartsAt);
        Assert.Equal(app.Clock.GetUtcNow() + ConsultationApp.Duration, booked.EndsAt);
        Assert.Equal(0, booked.RemainingSeconds);
        Assert.Null(booked.ConversationId);
        Assert.StartsWith("cc-", booked.Payment!.OrderId, StringComparison.Ordinal);
        Assert.Equal(booked, await ConsultationApp.GetAsync(patient, booked.Id));
    }

    [Fact]
    public async Task OutsideHoursOnADayOffAndInThePastAreRejectedNamingStartAt()
    {
        var doctor = await app.CreateDoctorAsync(schedule: WeekdayMornings);
        var patient = await app.RegisterPatientAsync();

        var evening = await TryBookAsync(patient, new { doctorId = doctor.Id, startAt = Local(16, 18) });
        var dayOff = await TryBookAsync(patient, new { doctorId = doctor.Id, startAt = Local(18, 10) });
        var past = await TryBookAsync(patient, new { doctorId = doctor.Id, startAt = app.Clock.GetUtcNow() - TimeSpan.FromHours(1) });
        var endOfHours = await TryBookAsync(patient, new { doctorId = doctor.Id, startAt = Local(17, 12) });

        Assert.Equal(HttpStatusCode.BadRequest, evening.Status);
        Assert.Contains("08:00-17:00", evening.Body.GetProperty("errors").GetProperty("startAt")[0].GetString()!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, dayOff.Status);
        Assert.Contains("does not work on Wednesdays", dayOff.Body.GetProperty("errors").GetProperty("startAt")[0].GetString()!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, past.Status);
        Assert.Contains("in the past", past.Body.GetProperty("errors").GetProperty("startAt")[0].GetString()!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, endOfHours.Status);

        // A start a few seconds ago (slow network) still counts as now.
        var justNow = await patient.Http.PostAsJsonAsync("/api/v1/consultations",
            new { doctorId = doctor.Id, startAt = app.Clock.GetUtcNow() - TimeSpan.FromSeconds(20) }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, justNow.StatusCode);
    }

    [Fact]
    public async Task UnknownOrMissingDoctorIsRejectedNamingDoctorId()
    {
        var patient = await app.RegisterPatientAsync();
        var nurse = await app.CreateStaffAsync("nurse");

        var unknown = await TryBookAsync(patient, new { doctorId = Guid.NewGuid() });
        var missing = await TryBookAsync(patient, new { startAt = app.Clock.GetUtcNow() });
        var notADoctor = await TryBookAsync(patient, new { doctorId = nurse.Id });

        foreach (var (status, body) in new[] { unknown, missing, notADoctor })
        {
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.True(body.GetProperty("errors").TryGetProperty("doctorId", out _));
        }
    }

    [Fact]
    public async Task OnlyPatientsBook()
    {
        var doctor = await app.CreateDoctorAsync();
        var other = await app.CreateDoctorAsync();

        var response = await other.Http.PostAsJsonAsync("/api/v1/consultations", new { doctorId = doctor.Id }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await app.CreateAnonymousClient().PostAsJsonAsync("/api/v1/consultations", new { doctorId = doctor.Id }, TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task OverlappingBookingIsAConflictButAdjacentIsFine()
    {
        var doctor = await app.CreateDoctorAsync(schedule: WeekdayMornings);
        var first = await app.RegisterPatientAsync();
        var second = await app.RegisterPatientAsync();
        await ConsultationApp.BookAsync(first, doctor.Id, Local(17, 9));

        var overlapping = await TryBookAsync(second, new { doctorId = doctor.Id, startAt = Local(17, 9, 15) });
        var before = await TryBookAsync(second, new { doctorId = doctor.Id, startAt = Local(17, 8, 45) });

        Assert.Equal(HttpStatusCode.Conflict, overlapping.Status);
        Assert.Contains("fully booked", overlapping.Body.GetProperty("errors").GetProperty("startAt")[0].GetString()!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, before.Status);
        Assert.Equal("awaiting_payment", (await ConsultationApp.BookAsync(second, doctor.Id, Local(17, 9, 30))).Status);
        Assert.Equal("awaiting_payment", (await ConsultationApp.BookAsync(second, doctor.Id, Local(17, 8, 30))).Status);
    }

    [Fact]
    public async Task OfManyPatientsRacingForOneSlotExactlyOneWins()
    {
        var doctor = await app.CreateDoctorAsync();
        var patients = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => app.RegisterPatientAsync()));
        var start = app.Clock.GetUtcNow() + TimeSpan.FromDays(1);
        using var go = new ManualResetEventSlim();

        var responses = await Task.WhenAll(patients.Select(p => Task.Run(async () =>
        {
            go.Wait(TestContext.Current.CancellationToken);
            return await p.Http.PostAsJsonAsync("/api/v1/consultations", new { doctorId = doctor.Id, startAt = start });
        }, TestContext.Current.CancellationToken)).Append(Task.Run(async () =>
        {
            go.Set();
            return new HttpResponseMessage(HttpStatusCode.Continue);
        }, TestContext.Current.CancellationToken)));

        var statuses = responses.Where(r => r.StatusCode != HttpStatusCode.Continue).Select(r => r.StatusCode).ToList();
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(11, statuses.Count(s => s == HttpStatusCode.Conflict));
        await using var db = app.OpenDatabase();
        Assert.Equal(1, await db.ExecuteScalarAsync<int>("select count(*) from consultations where doctor_id = @Id", new { doctor.Id }));
    }

    [Fact]
    public async Task CapacityAllowsThatManyAtOnce()
    {
        var doctor = await app.CreateDoctorAsync();
        await using (var db = app.OpenDatabase())
        {
            await db.ExecuteAsync("update doctor_profiles set capacity = 2 where doctor_id = @Id", new { doctor.Id });
        }

        var patients = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => app.RegisterPatientAsync()));
        var start = app.Clock.GetUtcNow() + TimeSpan.FromDays(2);

        var responses = await Task.WhenAll(patients.Select(p => p.Http.PostAsJsonAsync("/api/v1/consultations", new { doctorId = doctor.Id, startAt = start })));

        Assert.Equal(2, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task APatientCannotHoldManyUnpaidSlots()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        for (var i = 1; i <= 3; i++)
        {
            await ConsultationApp.BookAsync(patient, doctor.Id, app.Clock.GetUtcNow() + TimeSpan.FromDays(3) + TimeSpan.FromHours(i));
        }

        var fourth = await TryBookAsync(patient, new { doctorId = doctor.Id, startAt = app.Clock.GetUtcNow() + TimeSpan.FromDays(4) });

        Assert.Equal(HttpStatusCode.Conflict, fourth.Status);
        Assert.Contains("unpaid", fourth.Body.GetProperty("detail").GetString()!, StringComparison.Ordinal);
    }
}
