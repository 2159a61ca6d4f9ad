using System.Net.Http.Json;
using System.Text.Json;
using ClinicChat.Consultations;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Payments;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ClinicChat.Tests.Consultations;

/// <summary>The server in simulated-payment mode with the documented default timeouts spelled out.</summary>
public class ConsultationApp : ClinicChatApp
{
    public static readonly TimeSpan Duration = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan WarningBefore = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan AcceptTimeout = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan PaymentTimeout = TimeSpan.FromMinutes(15);

    public ConsultationApp()
    {
        Settings["Consultations:Duration"] = "00:30:00";
        Settings["Consultations:WarningBefore"] = "00:05:00";
        Settings["Consultations:AcceptTimeout"] = "00:10:00";
        Settings["Consultations:PaymentTimeout"] = "00:15:00";
        Settings["Consultations:SchedulerInterval"] = "00:00:05";
    }

    public NpgsqlConnection OpenDatabase()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Runs what has fallen due, after any run the background scheduler has in progress.</summary>
    public Task<int> RunDueAsync() => Services.GetRequiredService<ConsultationLifecycle>().RunDueTransitionsAsync(TestContext.Current.CancellationToken);

    /// <summary>
    /// Access tokens follow the fake clock and last 15 minutes, so tests that move time log in again
    /// rather than reuse a cached token.
    /// </summary>
    public Task<TestUser> FreshAsync(TestUser user) => LoginAsync(user.Email, user.Password);

    /// <summary>A doctor with a fee, working every day 00:00-23:59 unless a schedule is given.</summary>
    public async Task<TestUser> CreateDoctorAsync(long fee = 150_000, object[]? schedule = null, string? name = null)
    {
        var doctor = await CreateStaffAsync("doctor", name ?? "dr. Uji");
        var admin = await AdminAsync();
        (await admin.Http.PutAsJsonAsync($"/api/v1/doctors/{doctor.Id}/profile", new { specialty = "GP", fee, bio = "" })).EnsureSuccessStatusCode();
        schedule ??= [.. Enum.GetNames<DayOfWeek>().Select(d => new { dayOfWeek = d, start = "00:00", end = "23:59" })];
        await (await admin.Http.PutAsJsonAsync($"/api/v1/doctors/{doctor.Id}/schedule", schedule)).EnsureSuccessAsync();
        return doctor;
    }

    public static async Task<ConsultationView> BookAsync(TestUser patient, Guid doctorId, DateTimeOffset? startAt = null)
    {
        var response = await patient.Http.PostAsJsonAsync("/api/v1/consultations", new { doctorId, startAt });
        await response.EnsureSuccessAsync();
        return (await response.Content.ReadFromJsonAsync<ConsultationView>())!;
    }

    public static async Task<ConsultationView> GetAsync(TestUser user, Guid id) =>
        (await user.Http.GetFromJsonAsync<ConsultationView>($"/api/v1/consultations/{id}"))!;

    /// <summary>Approves or declines as the checkout page's form does: with the checkout token from the patient's redirect URL.</summary>
    public async Task<HttpResponseMessage> SimulatorAsync(PaymentView payment, string action) =>
        await CreateAnonymousClient().PostAsync($"/payments/simulator/{payment.OrderId}/{action}",
            new FormUrlEncodedContent([KeyValuePair.Create("t", CheckoutToken(payment))]));

    /// <summary>The checkout token in a simulated payment's redirect URL (only the patient is shown it).</summary>
    public static string CheckoutToken(PaymentView payment) =>
        System.Web.HttpUtility.ParseQueryString(new Uri(payment.RedirectUrl!).Query)["t"] ?? throw new InvalidOperationException("No checkout token in the redirect URL.");

    /// <summary>Booked, paid through the simulator and accepted: an active session.</summary>
    public async Task<ConsultationView> ActiveConsultationAsync(TestUser patient, TestUser doctor)
    {
        var booked = await BookAsync(patient, doctor.Id);
        await (await SimulatorAsync(booked.Payment!, "approve")).EnsureSuccessAsync();
        var accepted = await doctor.Http.PostAsync($"/api/v1/consultations/{booked.Id}/accept", null);
        await accepted.EnsureSuccessAsync();
        return (await accepted.Content.ReadFromJsonAsync<ConsultationView>())!;
    }

    public async Task<List<string>> SystemMessagesAsync(Guid conversationId)
    {
        await using var db = OpenDatabase();
        return (await db.QueryAsync<string>(
            "select text from messages where conversation_id = @Id and kind = 'system' order by seq", new { Id = conversationId })).AsList();
    }

    public async Task<string> ConversationStatusAsync(Guid conversationId)
    {
        await using var db = OpenDatabase();
        return await db.QuerySingleAsync<string>("select status from conversations where id = @Id", new { Id = conversationId });
    }
}

/// <summary>The server in Midtrans mode, talking to a fake Midtrans on loopback.</summary>
public class MidtransApp : ConsultationApp
{
    public FakeMidtrans Midtrans { get; } = new();

    public override async ValueTask InitializeAsync()
    {
        await Midtrans.StartAsync();
        Settings["Payments:Midtrans:ServerKey"] = Midtrans.ServerKey;
        Settings["Payments:Midtrans:ClientKey"] = "SB-Mid-client-test";
        Settings["Payments:Midtrans:SnapBaseUrl"] = Midtrans.BaseUrl.ToString();
        Settings["Payments:Midtrans:ApiBaseUrl"] = Midtrans.BaseUrl.ToString();
        Settings["Payments:Midtrans:RequestTimeout"] = "00:00:05";
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Midtrans.DisposeAsync();
    }

    public async Task<HttpResponseMessage> NotifyAsync(string json) =>
        await CreateAnonymousClient().PostAsync("/api/v1/payments/midtrans/notification",
            new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
}

public sealed record PaymentView(string Provider, string OrderId, string Status, string? Token, string? RedirectUrl);

public sealed record ConsultationView(
    Guid Id,
    Guid PatientId,
    Guid DoctorId,
    string Status,
    long Fee,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    long RemainingSeconds,
    Guid? ConversationId,
    PaymentView? Payment,
    bool RefundDue,
    string? CancelReason,
    DateTimeOffset? PayBy,
    DateTimeOffset? AcceptBy,
    DateTimeOffset? WarnedAt,
    RefundView? Refund = null);

public sealed record RefundView(string Status, long Amount, DateTimeOffset? RefundedAt, string Key);

public static class ProblemReading
{
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.Clone();
    }
}
