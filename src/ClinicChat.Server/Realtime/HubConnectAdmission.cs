using System.Security.Claims;
using ClinicChat.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace ClinicChat.Realtime;

/// <summary>
/// Everything the hub's connect request must pass before the hub runs: authentication, the session check and the
/// endpoint's authorization policy, the same rules every other request meets through the framework middlewares.
/// <para>
/// An open hub connection is a request that never ends, so each middleware awaiting the rest of the pipeline stays
/// on its stack for the WebSocket's whole life, with whatever it holds: the authentication middleware its ticket,
/// handler and request scope; the session check its frame; the authorization middleware its frame, its policy
/// evaluator and the authentication features it adds (result, ticket, properties). Here all of it runs in one
/// method that completes before the hub is entered, so none of it outlives the checks; only the caller that counts
/// connections (<see cref="HubGate"/>) awaits the hub.
/// </para>
/// </summary>
public sealed class HubConnectAdmission(IServiceScopeFactory scopes, IAuthorizationPolicyProvider policies)
{
    // The marks the framework middlewares leave; EndpointMiddleware refuses an endpoint with authorization metadata
    // unless the authorization one is there (ASP.NET Core's AuthorizationMiddleware, AuthorizationMiddlewareInvokedWithEndpointKey).
    internal const string AuthorizationEvaluatedKey = "__AuthorizationMiddlewareWithEndpointInvoked";

    private static readonly object AuthorizationEvaluated = new();

    /// <summary>
    /// True when the request may go on to the hub. Otherwise the answer (401, 403) has been written, as the
    /// framework's authorization would have written it.
    /// </summary>
    public async Task<bool> AdmitAsync(HttpContext context)
    {
        try
        {
            await AuthenticateAsync(context);
            // The same session check as every other request (Accounts owns it).
            if (await AccountsSetup.CheckSessionAsync(context))
            {
                ForgetCredentials(context);
            }

            return await AuthorizeAsync(context);
        }
        finally
        {
            // The request scope served the authentication handler and the policy evaluator; end it now rather than
            // with the connection (anything that asks for request services later gets a fresh one).
            await ReleaseRequestServicesAsync(context);
        }
    }

    /// <summary>The bearer handler, keeping a principal of only what the hub reads: user id, role and session id.</summary>
    private static async Task AuthenticateAsync(HttpContext context)
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
    }

    /// <summary>
    /// What ASP.NET Core's AuthorizationMiddleware does for an endpoint, but without setting the authentication
    /// features (nothing on a hub connection reads them; the hub gets the principal itself) and without calling the
    /// rest of the pipeline: the result handler's "next" only records that the request may proceed.
    /// </summary>
    private async Task<bool> AuthorizeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            return true;
        }

        context.Items[AuthorizationEvaluatedKey] = AuthorizationEvaluated;
        var policy = await AuthorizationPolicy.CombineAsync(policies,
            endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>(),
            endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>());
        var requirements = endpoint.Metadata.GetOrderedMetadata<IAuthorizationRequirementData>();
        if (requirements.Count > 0)
        {
            var builder = new AuthorizationPolicyBuilder();
            foreach (var data in requirements)
            {
                builder.AddRequirements([.. data.GetRequirements()]);
            }

            policy = policy is null ? builder.Build() : AuthorizationPolicy.Combine(policy, builder.Build());
        }

        if (policy is null)
        {
            return true;
        }

        var evaluator = context.RequestServices.GetRequiredService<IPolicyEvaluator>();
        var authenticated = await evaluator.AuthenticateAsync(policy, context);
        if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return true;
        }

        var result = await evaluator.AuthorizeAsync(policy, authenticated, context, context);
        var proceed = false;
        await context.RequestServices.GetRequiredService<IAuthorizationMiddlewareResultHandler>().HandleAsync(
            _ =>
            {
                proceed = true;
                return Task.CompletedTask;
            },
            context, policy, result);
        return proceed;
    }

    private async Task ReleaseRequestServicesAsync(HttpContext context)
    {
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
            || !request.QueryString.Value!.Contains(AccountsSetup.AccessTokenQueryKey + "=", StringComparison.Ordinal)
            || !request.Query.ContainsKey(AccountsSetup.AccessTokenQueryKey))
        {
            return;
        }

        var kept = new QueryBuilder(request.Query
            .Where(p => !string.Equals(p.Key, AccountsSetup.AccessTokenQueryKey, StringComparison.Ordinal))
            .SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, v ?? ""))));
        request.QueryString = kept.ToQueryString();
        // The raw request target is a second copy of the query (kept by the server for logging and diagnostics).
        if (context.Features.Get<IHttpRequestFeature>() is { } line)
        {
            line.RawTarget = $"{request.PathBase}{request.Path}{request.QueryString}";
        }
    }
}
