using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace ClinicChat.Bench;

/// <summary>One care conversation: the nurse sends, the patient receives.</summary>
internal sealed record BenchConversation(Guid ConversationId, Guid NurseId, string NurseToken, Guid PatientId, string PatientToken);

/// <summary>
/// Provisions through the public API only, as a clinic's backend would: the admin creates a nurse, a patient signs
/// up, the admin assigns the nurse (which creates their care conversation), both log in. Cheap only when the
/// server hashes passwords with few iterations (Accounts:PasswordHashIterations, benchmarks and tests only).
/// </summary>
internal sealed class Provisioner(Uri baseUrl, string adminEmail, string adminPassword) : IDisposable
{
    private const string Password = "bench-password-1234";
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64, UseProxy = false })
    {
        BaseAddress = baseUrl,
        Timeout = TimeSpan.FromSeconds(60),
    };

    private readonly string _run = Guid.NewGuid().ToString("N")[..10];

    public async Task<IReadOnlyList<BenchConversation>> ConversationsAsync(int count, int parallelism, CancellationToken cancellationToken)
    {
        var admin = await LoginAsync(adminEmail, adminPassword, cancellationToken);
        var result = new BenchConversation[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var nurseEmail = $"nurse-{_run}-{i}@bench.test";
                var patientEmail = $"patient-{_run}-{i}@bench.test";
                var nurse = await PostAsync<UserResponse>("/api/v1/admin/users", admin, new { email = nurseEmail, password = Password, displayName = $"Bench nurse {i}", role = "nurse" }, ct);
                var patient = await PostAsync<UserResponse>("/api/v1/auth/register", null, new { email = patientEmail, password = Password, displayName = $"Bench patient {i}" }, ct);
                var assignment = await SendAsync<AssignmentResponse>(HttpMethod.Put, $"/api/v1/admin/patients/{patient.Id}/nurse", admin, new { nurseId = nurse.Id }, ct);
                result[i] = new BenchConversation(assignment.ConversationId,
                    nurse.Id, await LoginAsync(nurseEmail, Password, ct),
                    patient.Id, await LoginAsync(patientEmail, Password, ct));
            });
        return result;
    }

    /// <summary>One patient and one token, shared by every idle connection (connections, not sign-ups, are measured there).</summary>
    public async Task<string> IdleUserTokenAsync(CancellationToken cancellationToken)
    {
        var email = $"idle-{_run}@bench.test";
        await PostAsync<UserResponse>("/api/v1/auth/register", null, new { email, password = Password, displayName = "Bench idle" }, cancellationToken);
        return await LoginAsync(email, Password, cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    private async Task<string> LoginAsync(string email, string password, CancellationToken cancellationToken) =>
        (await PostAsync<TokenResponse>("/api/v1/auth/login", null, new { email, password }, cancellationToken)).AccessToken;

    private Task<T> PostAsync<T>(string path, string? token, object body, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Post, path, token, body, cancellationToken);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, string? token, object body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            // Problem details only; the request (with its password) is not echoed.
            var problem = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {problem}");
        }

        return (await response.Content.ReadFromJsonAsync<T>(cancellationToken))!;
    }

    private sealed record UserResponse(Guid Id);

    private sealed record TokenResponse(string AccessToken);

    private sealed record AssignmentResponse(Guid ConversationId);
}
