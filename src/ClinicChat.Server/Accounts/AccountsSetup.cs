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
    public const string AccessTokenQueryKey = "access_token";

    /// <param name="queryTokenPaths">
    /// The paths (the chat hub's, which Realtime owns, and the attachment downloads) whose GET and WebSocket requests
    /// may carry the access token in the query string.
    /// </param>
    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder, params PathString[] queryTokenPaths)
    {
        builder.Services.AddAuthentication(BearerTokenDefaults.AuthenticationScheme)
            .AddBearerToken(options =>
            {
                options.BearerTokenExpiration = TimeSpan.FromMinutes(15);
                options.RefreshTokenExpiration = SessionStore.RefreshLifetime;
                options.Events.OnMessageReceived = context =>
                {
                    // Browsers cannot set headers on a WebSocket, nor on an <img> or a download link, so the hub and the
                    // attachment downloads (and nothing else) take the token from the query. The header is checked first so
                    // that a header-authenticated request never parses its query.
                    if (AcceptsQueryToken(context.HttpContext.Request, queryTokenPaths)
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
            // Every limiter here (login, webhook) is a fixed window that knows when it reopens; clients are told so.
            options.OnRejected = async (context, ct) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    : 60;
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.TryWriteAsync(context.HttpContext,
                    new Failure("request.rate_limited", FailureKind.RateLimited, $"Too many attempts; try again in {seconds} seconds."));
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
        builder.Services.AddSingleton<LoginThrottle>();
        builder.Services.AddSingleton<RecognisedDevices>();
        builder.Services.AddSingleton<IDatabaseInitializer, AdminBootstrap>();
        return builder;
    }

    /// <summary>
    /// Authentication plus the session check that makes revocation immediate, then authorization. Requests for which
    /// <paramref name="admittedElsewhere"/> is true skip all three: the hub's connect request, which Realtime's
    /// HubConnectAdmission admits in front of the hub with the same checks (including <see cref="CheckSessionAsync"/>),
    /// so that none of these middlewares stays on the stack of every open connection.
    /// </summary>
    public static IApplicationBuilder UseClinicAuthentication(this IApplicationBuilder app, Func<HttpContext, bool> admittedElsewhere)
    {
        app.UseWhen(context => !admittedElsewhere(context), branch => branch.UseAuthentication());
        // WebApplication adds UseAuthentication and UseAuthorization in front of everything unless it sees these marks,
        // which a branch's UseAuthentication/UseAuthorization set only on the branch (ASP.NET Core's WebApplicationBuilder,
        // AuthenticationMiddlewareSetKey and AuthorizationMiddlewareSetKey). Without them the hub connect request would
        // meet the framework middlewares after all.
        app.Properties["__AuthenticationMiddlewareSet"] = true;
        app.Use(next => async context =>
        {
            if (!admittedElsewhere(context))
            {
                await CheckSessionAsync(context);
            }

            await next(context);
        });
        app.UseWhen(context => !admittedElsewhere(context), branch => branch.UseAuthorization());
        app.Properties["__AuthorizationMiddlewareSet"] = true;
        app.UseRateLimiter();
        return app;
    }

    /// <summary>Under one of the query-token paths (the hub's negotiate is a POST; the attachment routes there are all GETs).</summary>
    private static bool AcceptsQueryToken(HttpRequest request, PathString[] paths) =>
        paths.Any(path => request.Path.StartsWithSegments(path));

    /// <summary>
    /// The one session check, for the HTTP pipeline and the hub's admission alike: true when the request is signed in
    /// with a session that is still active. A revoked or unknown session makes the request anonymous from here on, so
    /// authorization answers 401 exactly as for a missing token.
    /// </summary>
    public static async Task<bool> CheckSessionAsync(HttpContext context)
    {
        if (context.User.Identity?.IsAuthenticated != true)
        {
            return false;
        }

        // Through the request's services: the pipeline is built before start-up has checked the database settings,
        // which reports a missing one as one clean line.
        var sessions = context.RequestServices.GetRequiredService<SessionStore>();
        if (context.User.SessionId() is { } sessionId && await sessions.IsActiveAsync(sessionId, context.RequestAborted))
        {
            return true;
        }

        context.User = new ClaimsPrincipal(new ClaimsIdentity());
        return false;
    }
}
