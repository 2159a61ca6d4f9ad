using System.Net;
using System.Text.Json;

namespace ClinicChat.Tests.Infrastructure;

/// <summary>Checks that an answer is an RFC 9457 problem and gives access to its field errors.</summary>
public static class ProblemAssertions
{
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement.Clone();
        Assert.Equal((int)status, root.GetProperty("status").GetInt32());
        Assert.True(root.TryGetProperty("code", out var code) && code.GetString() is { Length: > 0 }, $"No code in {body}");
        return root;
    }

    /// <summary>Asserts a problem whose <c>errors</c> map names every one of the given fields.</summary>
    public static async Task<JsonElement> AssertFieldErrorsAsync(this HttpResponseMessage response, HttpStatusCode status, params string[] fields)
    {
        var problem = await response.AssertProblemAsync(status);
        Assert.True(problem.TryGetProperty("errors", out var errors), $"No errors map in {problem}");
        var named = errors.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            Assert.True(named.Contains(field), $"Expected an error for '{field}' in {errors}");
        }

        return problem;
    }
}
