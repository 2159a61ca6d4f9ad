using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClinicChat.Tests.Consultations;
using ClinicChat.Tests.Infrastructure;
using ClinicChat.Tests.Realtime;
using Npgsql;
using static ClinicChat.Tests.Realtime.ChatTestKit;

namespace ClinicChat.Tests.Audit;

public sealed record AuditEntry(long Id, DateTimeOffset At, Guid? ActorId, string Action, string TargetType, string TargetId, JsonElement? Detail);

public sealed record AuditPageResponse(List<AuditEntry> Entries, bool HasMore);

public sealed class AuditLogTests(ConsultationApp app) : IClassFixture<ConsultationApp>
{
    private async Task<AuditPageResponse> ReadAsync(string query)
    {
        var admin = await app.AdminAsync();
        var response = await admin.Http.GetAsync($"/api/v1/admin/audit{query}", Ct);
        await response.EnsureSuccessAsync();
        return (await response.Content.ReadFromJsonAsync<AuditPageResponse>(Ct))!;
    }

    [Fact]
    public async Task AdminsSeeWhoReadAConsultationAndWhoDisabledAUserNewestFirst()
    {
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var consultation = await app.ActiveConsultationAsync(patient, doctor);
        var conversationId = consultation.ConversationId!.Value;
        await patient.HistoryAsync(conversationId, "?limit=20");
        var leaving = await app.CreateStaffAsync("nurse");
        await app.DisableAsync(leaving);
        var root = await app.AdminAsync();

        var reads = await ReadAsync($"?targetType=conversation&targetId={conversationId}");
        var read = Assert.Single(reads.Entries, e => e.Action == "conversation.read");
        Assert.Equal(patient.Id, read.ActorId);
        Assert.Equal(20, read.Detail!.Value.GetProperty("limit").GetInt32());
        Assert.Equal(app.Clock.GetUtcNow(), read.At);

        var aboutUser = await ReadAsync($"?targetType=user&targetId={leaving.Id}");
        Assert.Equal(["user.disabled", "user.created"], aboutUser.Entries.Select(e => e.Action));
        Assert.All(aboutUser.Entries, e => Assert.Equal(root.Id, e.ActorId));
        Assert.False(aboutUser.HasMore);

        var byPatient = await ReadAsync($"?actorId={patient.Id}");
        Assert.All(byPatient.Entries, e => Assert.Equal(patient.Id, e.ActorId));
        Assert.Contains(byPatient.Entries, e => e.Action == "consultation.booked" && e.TargetId == consultation.Id.ToString());
        Assert.Contains(byPatient.Entries, e => e.Id == read.Id);
        Assert.Equal(byPatient.Entries.Select(e => e.Id).OrderDescending(), byPatient.Entries.Select(e => e.Id));
    }

    [Fact]
    public async Task PagesOfFiftyByDefaultFollowTheIdCursorAndLimitsAreChecked()
    {
        var (patient, _, care) = await app.CarePairAsync();
        for (var i = 0; i < 52; i++)
        {
            await patient.HistoryAsync(care);
        }

        var query = $"?actorId={patient.Id}&targetType=conversation&targetId={care}";
        var first = await ReadAsync(query);
        var second = await ReadAsync(query + $"&before={first.Entries[^1].Id}&limit=1");
        var last = await ReadAsync(query + $"&before={second.Entries[^1].Id}&limit=200");

        Assert.Equal(50, first.Entries.Count);
        Assert.True(first.HasMore);
        Assert.True(second.HasMore);
        Assert.False(last.HasMore);
        var ids = first.Entries.Concat(second.Entries).Concat(last.Entries).Select(e => e.Id).ToList();
        Assert.Equal(52, ids.Count);
        Assert.Equal(ids.OrderDescending(), ids);

        var admin = await app.AdminAsync();
        foreach (var (bad, field) in new[] { ("limit=0", "limit"), ("limit=201", "limit"), ("before=0", "before") })
        {
            var response = await admin.Http.GetAsync($"/api/v1/admin/audit?{bad}", Ct);
            await response.AssertFieldErrorsAsync(HttpStatusCode.BadRequest, field);
        }
    }

    [Fact]
    public async Task OnlyAdminsReadTheAuditLog()
    {
        var patient = await app.RegisterPatientAsync();
        var doctor = await app.CreateDoctorAsync();
        var nurse = await app.CreateStaffAsync("nurse");

        Assert.Equal(HttpStatusCode.Forbidden, (await patient.Http.GetAsync("/api/v1/admin/audit", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await doctor.Http.GetAsync("/api/v1/admin/audit", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await nurse.Http.GetAsync("/api/v1/admin/audit", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateAnonymousClient().GetAsync("/api/v1/admin/audit", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("update audit_log set action = 'rewritten'")]
    [InlineData("delete from audit_log")]
    [InlineData("truncate audit_log")]
    public async Task TheDatabaseRefusesToChangeOrRemoveAuditRows(string sql)
    {
        await app.RegisterPatientAsync();
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync(Ct);
        var before = await CountAsync(connection);

        await using var command = new NpgsqlCommand(sql, connection);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Ct));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal(before, await CountAsync(connection));
        Assert.Equal(0, await ScalarAsync(connection, "select count(*) from audit_log where action = 'rewritten'"));
    }

    private static Task<long> CountAsync(NpgsqlConnection connection) => ScalarAsync(connection, "select count(*) from audit_log");

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}
