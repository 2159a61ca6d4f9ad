using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace ClinicChat.Infrastructure;

/// <summary>
/// The OpenAPI document at /openapi/v1.json (and /docs, which renders it). Each feature tags and summarises its own
/// endpoints; what follows from the group an endpoint sits in (sign-in, role, rate limit, a JSON body) is
/// documented here once, so that no endpoint can forget it.
/// </summary>
public static class ApiDocumentation
{
    public const string DocumentName = "v1";
    public const string BearerScheme = "Bearer";
    private const string ProblemJson = "application/problem+json";

    public static IServiceCollection AddApiDocumentation(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "ClinicChat API";
                document.Info.Description =
                    "The REST API of ClinicChat. Sign in with POST /api/v1/auth/login, then send the access token as "
                    + "`Authorization: Bearer <token>` (in /docs: the Authorize button). Every error is RFC 9457 problem details.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "The accessToken from POST /api/v1/auth/login or /api/v1/auth/refresh.",
                };
                return Task.CompletedTask;
            });
            // The web defaults read numbers from JSON strings too, so every number is documented as "integer or
            // string" with a digits pattern; the server only ever writes numbers, and clients should send them.
            options.AddSchemaTransformer((schema, _, _) =>
            {
                if (schema.Type is { } type && (type & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (type & JsonSchemaType.String) != 0)
                {
                    schema.Type = type & ~JsonSchemaType.String;
                    schema.Pattern = null;
                }

                return Task.CompletedTask;
            });
            // Input hygiene reads strings and dates through converters of its own, which the schema generator cannot
            // look into (it documented them as "anything"): describe them as the plain JSON strings they are.
            options.AddSchemaTransformer((schema, context, _) =>
            {
                var type = context.JsonTypeInfo.Type;
                var underlying = Nullable.GetUnderlyingType(type) ?? type;
                if (schema.Type is null && (underlying == typeof(string) || underlying == typeof(DateTimeOffset) || underlying == typeof(DateTime)))
                {
                    schema.Type = JsonSchemaType.String;
                    if (underlying != typeof(string))
                    {
                        schema.Format = "date-time";
                    }

                    if (IsNullable(type, context.JsonPropertyInfo))
                    {
                        schema.Type |= JsonSchemaType.Null;
                    }
                }

                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (RequiresSignIn(context.Description.ActionDescriptor.EndpointMetadata))
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement
                    {
                        [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [],
                    });
                }

                return Task.CompletedTask;
            });
        });

    /// <summary>
    /// Writes the document the server would serve, without starting it (so without a database): the source of the
    /// web client's generated types (scripts/api-types).
    /// </summary>
    public static async Task WriteOpenApiDocumentAsync(this WebApplication app, string path, CancellationToken cancellationToken)
    {
        // Endpoints reach the API explorer when the pipeline is built at start; this puts them there without starting.
        app.UseRouting();
        app.UseEndpoints(_ => { });
        var provider = app.Services.GetRequiredKeyedService<IOpenApiDocumentProvider>(DocumentName);
        var document = await provider.GetOpenApiDocumentAsync(cancellationToken);
        await using var file = File.Create(path);
        await document.SerializeAsJsonAsync(file, OpenApiSpecVersion.OpenApi3_1, cancellationToken);
    }

    /// <summary>
    /// Adds the answers every API endpoint may give because of where it is mapped: 401 without a valid token, 403 for
    /// the wrong role, 429 past a rate limit, 400 for a body that is not the expected JSON. Runs after the feature's
    /// own conventions, so it sees the authorization and rate limits of every nested group.
    /// </summary>
    public static RouteGroupBuilder WithCommonResponses(this RouteGroupBuilder api)
    {
        ((IEndpointConventionBuilder)api).Finally(endpoint =>
        {
            var metadata = endpoint.Metadata;
            var documented = metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.StatusCode).ToHashSet();
            void Add(int status, Type type)
            {
                if (documented.Add(status))
                {
                    metadata.Add(new ProducesResponseTypeMetadata(status, type, [ProblemJson]));
                }
            }

            if (metadata.OfType<IAcceptsMetadata>().Any(a => a.RequestType is not null))
            {
                Add(StatusCodes.Status400BadRequest, typeof(HttpValidationProblemDetails));
            }

            if (RequiresSignIn(metadata))
            {
                Add(StatusCodes.Status401Unauthorized, typeof(ProblemDetails));
                if (metadata.OfType<IAuthorizeData>().Any(a => !string.IsNullOrEmpty(a.Policy) || !string.IsNullOrEmpty(a.Roles)))
                {
                    Add(StatusCodes.Status403Forbidden, typeof(ProblemDetails));
                }
            }

            if (metadata.OfType<EnableRateLimitingAttribute>().Any())
            {
                Add(StatusCodes.Status429TooManyRequests, typeof(ProblemDetails));
            }
        });
        return api;
    }

    /// <summary>The authorization middleware's own rule: any allow-anonymous marker wins over any authorize data.</summary>
    private static bool RequiresSignIn(IEnumerable<object> metadata) =>
        metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();

    private static readonly NullabilityInfoContext Nullability = new();

    private static bool IsNullable(Type type, System.Text.Json.Serialization.Metadata.JsonPropertyInfo? property)
    {
        if (Nullable.GetUnderlyingType(type) is not null)
        {
            return true;
        }

        lock (Nullability)
        {
            return property?.AttributeProvider switch
            {
                PropertyInfo info => Nullability.Create(info).ReadState == NullabilityState.Nullable,
                FieldInfo info => Nullability.Create(info).ReadState == NullabilityState.Nullable,
                _ => false,
            };
        }
    }
}
