using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Threading.RateLimiting;
using ClinicChat.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ClinicChat.Accounts;

public sealed class AccountsOptions
{
    public const string Section = "Accounts";

    /// <summary>
    /// PBKDF2 iterations for new password hashes. Unset: Identity's default (100,000). For benchmarks and tests
    /// only, which provision thousands of accounts; a production server must leave it unset. Stored hashes carry
    /// their own count, so changing it never locks anyone out.
    /// </summary>
    [Range(1_000, 10_000_000)]
    public int? PasswordHashIterations { get; set; }
}

public static class AccountsSetup
{
    public const string HubPath = "/hubs/chat";

    private const string AccessTokenQueryKey = "access_token";

    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication(BearerTokenDefaults.AuthenticationScheme)
            .AddBearerToken(options =>
            {
                options.BearerTokenExpiration = TimeSpan.FromMinutes(15);
                options.RefreshTokenExpiration = SessionStore.RefreshLifetime;
                options.Events.OnMessageReceived = context =>
                {
                    // Browsers cannot set headers on a WebSocket, so the hub (and only the hub) takes the token from the query.
                    // The header is checked first so that a header-authenticated hub request never parses its query.
                    if (context.HttpContext.Request.Path.StartsWithSegments(HubPath)
                        && string.IsNullOrEmpty(context.Request.Headers.Authorization)
                        && context.Request.Query[AccessTokenQueryKey] is { Count: 1 } token)
                    {
                        context.Token = token;
                    }

                    return Task.CompletedTask;
                };
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Roles.Patient, p => p.RequireRole(Roles.Patient))
            .AddPolicy(Roles.Doctor, p => p.RequireRole(Roles.Doctor))
            .AddPolicy(Roles.Nurse, p => p.RequireRole(Roles.Nurse))
            .AddPolicy(Roles.Admin, p => p.RequireRole(Roles.Admin));

        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(AccountEndpoints.LoginRateLimit, context =>
            {
                var limits = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<LimitsOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(
                    context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.LoginAttemptsPerMinute, Window = TimeSpan.FromMinutes(1) });
            });
            options.OnRejected = async (context, ct) =>
            {
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = { Title = "Too many requests", Detail = "Too many attempts; wait a minute and try again.", Status = StatusCodes.Status429TooManyRequests },
                });
            };
        });

        builder.Services.AddOptions<AccountsOptions>().BindConfiguration(AccountsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<PasswordHasherOptions>().Configure<IOptions<AccountsOptions>>((hasher, accounts) =>
        {
            if (accounts.Value.PasswordHashIterations is { } iterations)
            {
                hasher.IterationCount = iterations;
            }
        });
        builder.Services.AddSingleton<SessionRevocations>();
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddSingleton<SessionStore>();
        builder.Services.AddSingleton<AccountService>();
        builder.Services.AddSingleton<IDatabaseInitializer, AdminBootstrap>();
        builder.Services.AddSingleton<IDatabaseInitializer, DemoSeeder>();
        return builder;
    }

    /// <summary>Authentication plus the session check that makes revocation immediate.</summary>
    public static IApplicationBuilder UseClinicAuthentication(this IApplicationBuilder app)
    {
        var scopes = app.ApplicationServices.GetRequiredService<IServiceScopeFactory>();
        app.UseWhen(context => !IsHubConnect(context), branch => branch.UseAuthentication());
        // WebApplication adds UseAuthentication in front of everything unless it sees this mark, which a branch's
        // UseAuthentication sets only on the branch (ASP.NET Core's WebApplicationBuilder, AuthenticationMiddlewareSetKey).
        // Without it the hub connect request would be authenticated twice and keep the framework middleware after all.
        app.Properties["__AuthenticationMiddlewareSet"] = true;
        app.Use(next => context => IsHubConnect(context) ? AuthenticateHubConnectAsync(context, scopes, next) : next(context));
        app.Use(async (context, next) =>
        {
            if (context.User.Identity?.IsAuthenticated == true)
            {
                var sessions = context.RequestServices.GetRequiredService<SessionStore>();
                if (context.User.SessionId() is not { } sessionId || !await sessions.IsActiveAsync(sessionId, context.RequestAborted))
                {
                    // Anonymous from here on: authorization answers 401 exactly as for a missing token.
                    context.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity());
                }
                else if (context.Request.Path.StartsWithSegments(HubPath))
                {
                    ForgetCredentials(context);
                }
            }

            await next(context);
        });
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    // The hub's connect request (its negotiate is below it): it lives as long as the WebSocket.
    private static bool IsHubConnect(HttpContext context) => context.Request.Path == HubPath;

    private static async Task AuthenticateHubConnectAsync(HttpContext context, IServiceScopeFactory scopes, RequestDelegate next)
    {
        await AuthenticateAndReleaseAsync(context, scopes);
        await next(context);
    }

    /// <summary>
    /// The authentication middleware would stay on a hub connection's stack for the WebSocket's whole life, and with
    /// it the ticket it read (principal, properties), the handler that cached it and the request scope holding that
    /// handler: about 2.5 KB for each idle connection. So the connect request authenticates here instead, in a method
    /// that returns before the hub runs, keeps a principal of only what the hub reads (user id, role, session id),
    /// and ends the request scope now (anything that asks for request services later gets a fresh one).
    /// </summary>
    private static async Task AuthenticateAndReleaseAsync(HttpContext context, IServiceScopeFactory scopes)
    {
        var result = await context.AuthenticateAsync();
        if (result.Succeeded && result.Principal is { } user)
        {
            var role = user.Role();
            context.User = new ClaimsPrincipal(new ClaimsIdentity(
                [
                    new Claim(ClaimTypes.NameIdentifier, user.FindFirstValue(ClaimTypes.NameIdentifier) ?? ""),
                    new Claim(ClaimTypes.Role, Roles.All.FirstOrDefault(r => r == role) ?? role),
                    new Claim(ClinicClaims.SessionIdClaim, user.FindFirstValue(ClinicClaims.SessionIdClaim) ?? ""),
                ],
                BearerTokenDefaults.AuthenticationScheme));
        }

        var used = context.Features.Get<IServiceProvidersFeature>();
        context.Features.Set<IServiceProvidersFeature>(new RequestServicesFeature(context, scopes));
        if (used is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    /// <summary>
    /// A hub request lives as long as its WebSocket, and so would the access token in its header or query string
    /// (about 1.3 KB per copy, up to three copies for a query token), in every one of thousands of idle connections.
    /// Once the principal is established nothing reads the token again: the session is checked by id.
    /// </summary>
    private static void ForgetCredentials(HttpContext context)
    {
        var request = context.Request;
        request.Headers.Remove(HeaderNames.Authorization);
        if (!request.QueryString.HasValue
            || !request.QueryString.Value!.Contains(AccessTokenQueryKey + "=", StringComparison.Ordinal)
            || !request.Query.ContainsKey(AccessTokenQueryKey))
        {
            return;
        }

        var kept = new QueryBuilder(request.Query
            .Where(p => !string.Equals(p.Key, AccessTokenQueryKey, StringComparison.Ordinal))
            .SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, v ?? ""))));
        request.QueryString = kept.ToQueryString();
        // The raw request target is a second copy of the query (kept by the server for logging and diagnostics).
        if (context.Features.Get<IHttpRequestFeature>() is { } line)
        {
            line.RawTarget = $"{request.PathBase}{request.Path}{request.QueryString}";
        }
    }
}
