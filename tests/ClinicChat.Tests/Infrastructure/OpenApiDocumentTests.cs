using System.Net;
using System.Text.Json.Nodes;

namespace ClinicChat.Tests.Infrastructure;

/// <summary>The document at /openapi/v1.json, which /docs renders and the web client's types are generated from.</summary>
public sealed class OpenApiDocumentTests(OpenApiDocumentTests.App app) : IClassFixture<OpenApiDocumentTests.App>
{
    public sealed class App : ClinicChatApp;

    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<JsonObject> ServedDocumentAsync()
    {
        var response = await app.CreateAnonymousClient().GetAsync("/openapi/v1.json", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject();
    }

    private static IEnumerable<(string Method, string Path, JsonObject Operation)> Operations(JsonObject document) =>
        from path in document["paths"]!.AsObject()
        from item in path.Value!.AsObject()
        where Methods.Contains(item.Key)
        select (item.Key, path.Key, item.Value!.AsObject());

    [Fact]
    public async Task EveryOperationHasATagAndASummary()
    {
        var document = await ServedDocumentAsync();
        var operations = Operations(document).ToList();

        Assert.True(operations.Count > 40, $"only {operations.Count} operations");
        var untagged = operations.Where(o => o.Operation["tags"]?.AsArray() is not { Count: > 0 }).Select(o => $"{o.Method} {o.Path}");
        Assert.Empty(untagged);
        var unsummarised = operations.Where(o => string.IsNullOrWhiteSpace(o.Operation["summary"]?.GetValue<string>())).Select(o => $"{o.Method} {o.Path}");
        Assert.Empty(unsummarised);
        // Tags are features, not the assembly name the framework falls back to.
        Assert.DoesNotContain(operations, o => o.Operation["tags"]!.AsArray().Any(t => t!.GetValue<string>() == "ClinicChat.Server"));
    }

    [Fact]
    public async Task TheBearerSchemeIsDeclared()
    {
        var document = await ServedDocumentAsync();

        var scheme = document["components"]?["securitySchemes"]?["Bearer"];
        Assert.NotNull(scheme);
        Assert.Equal("http", scheme["type"]!.GetValue<string>());
        Assert.Equal("bearer", scheme["scheme"]!.GetValue<string>());
    }

    /// <summary>
    /// Asked anonymously, each operation either refuses with 401 or does not: exactly those that refuse carry the
    /// bearer requirement, so /docs sends the token where it is needed and nowhere else.
    /// </summary>
    [Fact]
    public async Task OperationsThatRefuseAnonymousCallersCarryTheBearerRequirement()
    {
        var document = await ServedDocumentAsync();
        var http = app.CreateAnonymousClient();
        var wrong = new List<string>();
        var anonymous = 0;

        foreach (var (method, path, operation) in Operations(document))
        {
            var url = System.Text.RegularExpressions.Regex.Replace(path, "{[^}]+}", Guid.NewGuid().ToString());
            using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), url);
            using var response = await http.SendAsync(request, Ct);
            var refused = response.StatusCode == HttpStatusCode.Unauthorized;
            var requirement = operation["security"]?.AsArray().Any(r => r?["Bearer"] is not null) ?? false;
            if (refused != requirement)
            {
                wrong.Add($"{method} {path}: answered {(int)response.StatusCode}, bearer requirement {(requirement ? "present" : "absent")}");
            }

            if (refused && !operation["responses"]!.AsObject().ContainsKey("401"))
            {
                wrong.Add($"{method} {path}: answered 401, which it does not document");
            }

            anonymous += refused ? 0 : 1;
        }

        Assert.Empty(wrong);
        // Sign-up, login, refresh and the payment webhook.
        Assert.True(anonymous >= 4, $"only {anonymous} anonymous operations");
    }

    [Fact]
    public async Task EveryDocumentedErrorIsProblemDetails()
    {
        var document = await ServedDocumentAsync();
        var wrong = new List<string>();

        foreach (var (method, path, operation) in Operations(document))
        {
            foreach (var (status, response) in operation["responses"]!.AsObject())
            {
                if (int.Parse(status, System.Globalization.CultureInfo.InvariantCulture) < 400)
                {
                    continue;
                }

                var schema = response?["content"]?["application/problem+json"]?["schema"]?["$ref"]?.GetValue<string>();
                if (schema is not ("#/components/schemas/ProblemDetails" or "#/components/schemas/HttpValidationProblemDetails"))
                {
                    wrong.Add($"{method} {path} {status}: {response?["content"]?.ToJsonString() ?? "no content"}");
                }
            }
        }

        Assert.Empty(wrong);
    }

    [Fact]
    public async Task SuccessfulResponsesAreTyped()
    {
        var document = await ServedDocumentAsync();
        var untyped = new List<string>();

        foreach (var (method, path, operation) in Operations(document))
        {
            foreach (var (status, response) in operation["responses"]!.AsObject())
            {
                // 204 and the payment webhook's bare 200 have no body by design.
                if (status is "200" or "201" && response?["content"] is null && !path.Contains("/payments/", StringComparison.Ordinal))
                {
                    untyped.Add($"{method} {path} {status}");
                }
            }
        }

        Assert.Empty(untyped);
    }

    /// <summary>scripts/api-types generates the web client's types from this verb's output, so it must be what is served.</summary>
    [Fact]
    public async Task TheOpenApiVerbWritesTheServedDocumentWithoutADatabase()
    {
        var file = Path.Combine(Path.GetTempPath(), $"clinicchat-openapi-{Guid.NewGuid():N}.json");
        try
        {
            var result = await ServerProcess.RunAsync(["openapi", file], [], Ct);

            Assert.True(result.ExitCode == 0, result.ToString());
            var written = JsonNode.Parse(await File.ReadAllTextAsync(file, Ct))!.AsObject();
            var served = await ServedDocumentAsync();
            // The only part that depends on the request: the address it was fetched from.
            served.Remove("servers");
            written.Remove("servers");
            Assert.True(JsonNode.DeepEquals(served, written), "the written document differs from the served one");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
