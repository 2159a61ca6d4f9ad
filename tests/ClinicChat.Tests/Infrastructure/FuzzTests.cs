using System.Collections;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using ClinicChat.Realtime;
using ClinicChat.Tests.Realtime;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ClinicChat.Tests.Infrastructure;

/// <summary>
/// Every route the real app maps and every method of the hub, found by enumeration (a route added later is covered
/// without editing this file), fed a corpus of hostile values as an admin and as a patient. Nothing may answer 5xx,
/// log an error, or store anything from a batch that was refused throughout.
/// </summary>
public sealed partial class FuzzTests(ClinicChatApp app) : IClassFixture<ClinicChatApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const int Parallelism = 6;

    private const int MaxBodyBytes = 256 * 1024;

    /// <summary>Tables a refused request must never change (sessions and the audit log record sign-ins and refusals).</summary>
    private static readonly string[] KeyTables =
    [
        "users", "conversations", "conversation_members", "messages", "doctor_profiles", "doctor_schedule",
        "consultations", "care_assignments", "support_rooms", "payments",
    ];

    private static readonly string Big = new('x', 200 * 1024);

    /// <summary>JSON values put in place of one body property (or hub argument) at a time.</summary>
    private static readonly string[] HostileJson =
    [
        "null", "\"\\u0000\"", "\"a\\u0000b\"", "\"\\u0007\"", "\"\\u001b[2J\"", "\"\\ud800\"", "\"x\\udc00\"",
        "\"' OR 1=1; DROP TABLE users; --\"", "\"<script>alert(1)</script>\"", $"\"{Big}\"",
        "1e400", "-1", "0", "1.5", "9223372036854775808", "-9223372036854775809", "99999999999999999999999",
        "true", "{}", "[]", new string('[', 100) + new string(']', 100),
        "\"0001-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59Z\"", "\"not-a-guid\"", "\"00000000-0000-0000-0000-000000000000\"",
        "\"\"", "\"   \"",
    ];

    /// <summary>Query values, already percent-encoded (invalid UTF-8 and NUL cannot be written any other way).</summary>
    private static readonly string[] HostileQuery =
    [
        "%00", "a%00b", "%07", "%1B%5B2J", "%ED%A0%80", "%FF%FE", "'%20OR%201=1--", "%3Cscript%3E", new string('q', 4000),
        "-1", "0", "-99999999999999999999", "99999999999999999999", "1e400", "NaN", "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z", "not-a-guid", "00000000-0000-0000-0000-000000000000", "", "true", "%25",
    ];

    private static readonly string[] HostileRoute =
    [
        "%00", "%07", "%ED%A0%80", "not-a-guid", "00000000-0000-0000-0000-000000000000", Guid.NewGuid().ToString(),
        "99999999999999999999", "..%2F..%2Fetc", new string('r', 2000),
    ];

    private sealed record Failure(string Who, string Request, string Case, string Outcome);

    private sealed record Probe(string Method, string Path, byte[]? Body, string ContentType, string Case);

    [Fact]
    public async Task NoRouteAnswersHostileInputWithAServerErrorOrStoresIt()
    {
        var patient = await app.RegisterPatientAsync("Fuzz Patient");
        var doctor = await app.CreateStaffAsync("doctor", "dr. Fuzz");
        var nurse = await app.CreateStaffAsync("nurse", "Fuzz Nurse");
        var conversation = await app.CreateCareChatAsync(patient, nurse);
        // Not the patient's own id: the admin run would disable the account the patient run signs in with.
        string[] realIds = [conversation.ToString(), doctor.Id.ToString(), nurse.Id.ToString()];

        var endpoints = Endpoints();
        Assert.True(endpoints.Count >= 40, $"Only {endpoints.Count} routes enumerated.");

        var failures = new List<Failure>();
        var sent = 0;
        foreach (var (who, email, password) in new[] { ("admin", ClinicChatApp.AdminEmail, ClinicChatApp.AdminPassword), ("patient", patient.Email, patient.Password) })
        {
            foreach (var endpoint in endpoints)
            {
                // A fresh sign-in per route: logout or disabling must not blind the rest of the run.
                var user = await app.LoginAsync(email, password);
                var probes = ProbesFor(endpoint, realIds).ToList();
                var before = await CountKeyRowsAsync();
                var succeeded = 0;
                await Parallel.ForEachAsync(probes, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = Ct }, async (probe, ct) =>
                {
                    using var request = new HttpRequestMessage(new HttpMethod(probe.Method), probe.Path);
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.AccessToken);
                    if (probe.Body is not null)
                    {
                        request.Content = new ByteArrayContent(probe.Body);
                        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(probe.ContentType);
                    }

                    HttpResponseMessage response;
                    try
                    {
                        // An oversized body gets its own connection: Kestrel answers 413 and drops the connection
                        // mid-upload, which would otherwise fail the next request sent on it.
                        using var oversized = probe.Body is { Length: > MaxBodyBytes } ? app.CreateAnonymousClient() : null;
                        response = await (oversized ?? user.Http).SendAsync(request, ct);
                    }
                    catch (HttpRequestException) when (probe.Body is { Length: > MaxBodyBytes })
                    {
                        // Kestrel answers 413 and may close before the client has finished sending the body.
                        return;
                    }
                    catch (HttpRequestException e)
                    {
                        lock (failures)
                        {
                            failures.Add(new(who, $"{probe.Method} {Shorten(probe.Path)}", probe.Case, e.Message));
                        }

                        return;
                    }

                    using var disposeResponse = response;
                    if ((int)response.StatusCode >= 500)
                    {
                        var body = await response.Content.ReadAsStringAsync(ct);
                        lock (failures)
                        {
                            failures.Add(new(who, $"{probe.Method} {Shorten(probe.Path)}", probe.Case, $"{(int)response.StatusCode} {Shorten(body)}"));
                        }
                    }
                    else if (response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref succeeded);
                    }
                });
                sent += probes.Count;

                var after = await CountKeyRowsAsync();
                if (succeeded == 0 && before != after)
                {
                    failures.Add(new(who, $"{endpoint.Method} {endpoint.Pattern}", "every probe refused", $"rows changed: {before} -> {after}"));
                }
            }
        }

        sent += await FuzzHubAsync(patient, conversation, failures);

        Assert.True(failures.Count == 0, $"{failures.Count} failures of {sent} probes:\n{string.Join('\n', failures.Take(40))}");
        Assert.True(sent is > 1000 and < 20_000, $"{sent} probes");
        AssertNothingHostileStored();
        var errors = app.Logs.Lines.Where(l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, $"Errors logged:\n{string.Join('\n', errors.Take(5).Select(e => e.Length > 1200 ? e[..1200] : e))}");
    }

    private sealed record Endpoint(string Method, string Pattern, string[] RouteParameters, string[] QueryParameters, Type? BodyType);

    /// <summary>Every HTTP endpoint of the running app, with its parameters as the API explorer describes them.</summary>
    private List<Endpoint> Endpoints()
    {
        var descriptions = app.Services.GetRequiredService<IApiDescriptionGroupCollectionProvider>().ApiDescriptionGroups.Items
            .SelectMany(g => g.Items)
            .ToLookup(d => $"{d.HttpMethod} {Normalize(d.RelativePath ?? "")}", StringComparer.OrdinalIgnoreCase);
        var endpoints = new List<Endpoint>();
        foreach (var route in app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = "/" + (route.RoutePattern.RawText ?? "").TrimStart('/');
            if (pattern.StartsWith("/hubs/", StringComparison.Ordinal))
            {
                continue; // The hub is fuzzed through its own protocol below.
            }

            foreach (var method in route.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                var description = descriptions[$"{method} {Normalize(pattern)}"].FirstOrDefault();
                var parameters = description?.ParameterDescriptions ?? [];
                endpoints.Add(new Endpoint(
                    method,
                    pattern,
                    [.. route.RoutePattern.Parameters.Select(p => p.Name)],
                    [.. parameters.Where(p => p.Source.Id == "Query").Select(p => p.Name)],
                    parameters.FirstOrDefault(p => p.Source.Id == "Body")?.Type));
            }
        }

        return endpoints;
    }

    private static string Normalize(string path) => RouteParameter().Replace(path.Trim('/'), "{$1}");

    [GeneratedRegex(@"\{\*?(\w+)[^}]*\}")]
    private static partial Regex RouteParameter();

    private static string Fill(string pattern, string name, string value) =>
        RouteParameter().Replace(pattern, m => m.Groups[1].Value == name ? value : m.Value);

    private static IEnumerable<Probe> ProbesFor(Endpoint endpoint, string[] realIds)
    {
        // A plausible path first (real ids), then each route value made hostile in turn.
        var plausible = endpoint.RouteParameters.Aggregate(endpoint.Pattern, (path, name) => Fill(path, name, realIds[0]));
        foreach (var name in endpoint.RouteParameters)
        {
            foreach (var value in HostileRoute.Concat(realIds.Skip(1)))
            {
                var path = endpoint.RouteParameters.Where(n => n != name).Aggregate(Fill(endpoint.Pattern, name, value), (p, n) => Fill(p, n, realIds[0]));
                yield return new(endpoint.Method, path, BodyFor(endpoint, null, null), "application/json", $"route {name}={Shorten(value)}");
            }
        }

        foreach (var name in endpoint.QueryParameters)
        {
            foreach (var value in HostileQuery)
            {
                yield return new(endpoint.Method, $"{plausible}?{name}={value}", BodyFor(endpoint, null, null), "application/json", $"query {name}={Shorten(value)}");
            }
        }

        if (endpoint.Method is "GET" or "DELETE")
        {
            yield break;
        }

        var properties = endpoint.BodyType is { } type ? JsonProperties(ElementType(type) ?? type) : [];
        foreach (var property in properties)
        {
            foreach (var value in HostileJson)
            {
                yield return new(endpoint.Method, plausible, BodyFor(endpoint, property.Name, value), "application/json", $"body {property.Name}={Shorten(value)}");
            }
        }

        var first = properties.FirstOrDefault()?.Name ?? "x";
        string[] wholeBodies =
        [
            "", "null", "[]", "{", "\"x\"", "123", new string('[', 1000), new string('{', 500),
            $"{{\"{first}\":\"a\",\"{first}\":\"b\"}}", $"{{\"{first}\":\"{new string('x', 1024 * 1024)}\"}}",
        ];
        foreach (var body in wholeBodies)
        {
            yield return new(endpoint.Method, plausible, Encoding.UTF8.GetBytes(body), "application/json", $"body {Shorten(body)}");
        }

        yield return new(endpoint.Method, plausible, [(byte)'{', (byte)'"', (byte)'x', (byte)'"', (byte)':', (byte)'"', 0xff, 0xfe, 0xc0, (byte)'"', (byte)'}'], "application/json", "invalid UTF-8");
        yield return new(endpoint.Method, plausible, "text"u8.ToArray(), "text/plain", "wrong content type");
    }

    private static byte[]? BodyFor(Endpoint endpoint, string? hostileProperty, string? hostileValue)
    {
        if (endpoint.BodyType is not { } type)
        {
            return null;
        }

        var json = ElementType(type) is { } element
            ? $"[{ObjectJson(element, hostileProperty, hostileValue)}]"
            : ObjectJson(type, hostileProperty, hostileValue);
        return Encoding.UTF8.GetBytes(json);
    }

    private static Type? ElementType(Type type) =>
        type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type)
            ? type.IsArray ? type.GetElementType() : type.GetGenericArguments().FirstOrDefault()
            : null;

    private static PropertyInfo[] JsonProperties(Type type) =>
        IsScalar(type) ? [] : type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite || p.GetMethod is not null).ToArray();

    private static string ObjectJson(Type type, string? hostileProperty, string? hostileValue)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (IsScalar(underlying))
        {
            return hostileValue ?? PlausibleJson(underlying);
        }

        var members = JsonProperties(underlying).Select(p =>
            $"\"{JsonNamingPolicy.CamelCase.ConvertName(p.Name)}\":{(p.Name == hostileProperty ? hostileValue : PlausibleJson(Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType))}");
        return "{" + string.Join(',', members) + "}";
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(Guid) || type == typeof(decimal)
        || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(TimeOnly) || type == typeof(DateOnly)
        || (Nullable.GetUnderlyingType(type) is { } inner && IsScalar(inner));

    private static string PlausibleJson(Type type) => type switch
    {
        _ when type == typeof(string) => "\"fuzz value\"",
        _ when type == typeof(Guid) => $"\"{Guid.NewGuid()}\"",
        _ when type == typeof(bool) => "true",
        _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => $"\"{DateTimeOffset.UtcNow.AddDays(1):O}\"",
        _ when type == typeof(TimeOnly) => "\"09:00\"",
        _ when type == typeof(DateOnly) => $"\"{DateTime.UtcNow:yyyy-MM-dd}\"",
        _ when type.IsEnum => "0",
        _ when type.IsPrimitive || type == typeof(decimal) => "1",
        _ when ElementType(type) is not null => "[]",
        _ => "{}",
    };

    /// <summary>Each public hub method, each argument in turn hostile, the others plausible.</summary>
    private async Task<int> FuzzHubAsync(TestUser patient, Guid conversation, List<Failure> failures)
    {
        var methods = typeof(ChatHub).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName && !m.Name.StartsWith("On", StringComparison.Ordinal) && m.Name != nameof(IDisposable.Dispose))
            .ToList();
        Assert.NotEmpty(methods);
        var sent = 0;
        var user = await app.LoginAsync(patient.Email, patient.Password);
        var hub = await app.ConnectHubAsync(user);
        try
        {
            foreach (var method in methods)
            {
                var parameters = method.GetParameters();
                for (var i = 0; i < parameters.Length; i++)
                {
                    // The hub's frame limit is 32 KB: a 200 KB string only tests that the connection closes.
                    foreach (var value in HostileJson.Where(v => v.Length < 16 * 1024).Append($"\"{new string('x', 8000)}\""))
                    {
                        var arguments = parameters.Select((p, index) => new RawJson(index == i ? value
                            : p.ParameterType == typeof(Guid) ? $"\"{conversation}\"" : PlausibleJson(Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType))).ToArray<object?>();
                        sent++;
                        try
                        {
                            await hub.InvokeAsync(method.Name, arguments);
                        }
                        catch (HubInvocationException e) when (!e.Message.Contains("could not complete", StringComparison.Ordinal))
                        {
                        }
                        catch (Exception e) when (e is HubInvocationException or TimeoutException)
                        {
                            failures.Add(new("patient", $"hub {method.Name}", $"{parameters[i].Name}={Shorten(value)}", Shorten(e.Message)));
                        }
                        catch (InvalidOperationException)
                        {
                            // The server closed the connection over an earlier frame it could not read, and the client
                            // noticed before its Closed event ran: wait for that event, then reconnect below.
                            await hub.Closed.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
                        }

                        if (hub.Closed.IsCompleted)
                        {
                            await hub.DisposeAsync();
                            hub = await app.ConnectHubAsync(user);
                        }
                    }
                }
            }
        }
        finally
        {
            await hub.DisposeAsync();
        }

        return sent;
    }

    /// <summary>An argument written into the invocation as-is, so that hostile JSON reaches the server unchanged.</summary>
    [JsonConverter(typeof(RawJsonConverter))]
    private sealed record RawJson(string Json);

    private sealed class RawJsonConverter : JsonConverter<RawJson>
    {
        public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.Json, skipInputValidation: true);
    }

    private async Task<string> CountKeyRowsAsync() =>
        await app.QueryScalarAsync<string>($"select concat_ws(',', {string.Join(", ", KeyTables.Select(t => $"(select count(*) from {t})"))})");

    private void AssertNothingHostileStored()
    {
        // Nothing but newline, carriage return and tab below U+0020 in any stored text, whatever answered 2xx.
        const string controls = @"'[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]'";
        var count = app.QueryScalarAsync<long>($"""
            select (select count(*) from users where display_name ~ {controls} or email ~ {controls})
                 + (select count(*) from messages where text ~ {controls})
                 + (select count(*) from doctor_profiles where specialty ~ {controls} or bio ~ {controls})
            """).GetAwaiter().GetResult();
        Assert.Equal(0, count);
    }

    private static string Shorten(string value) => value.Length > 120 ? $"{value[..100]}...({value.Length} chars)" : value;
}
