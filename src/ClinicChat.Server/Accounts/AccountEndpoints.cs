using System.Security.Claims;
using ClinicChat.Infrastructure;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClinicChat.Accounts;

public static class AccountEndpoints
{
    public const string LoginRateLimit = "login";

    public static RouteGroupBuilder MapAuth(this RouteGroupBuilder group)
    {
        group.WithTags("Accounts");
        group.MapPost("/register", async Task<Results<Created<UserDto>, ProblemHttpResult>> (RegisterRequest request, AccountService accounts, CancellationToken ct) =>
            ToCreated(await accounts.RegisterPatientAsync(request, ct), _ => "/api/v1/me"))
            .WithSummary("Register a patient account")
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/login", async Task<Results<SignInHttpResult, ProblemHttpResult>> (LoginRequest request, HttpContext context, AccountService accounts, RecognisedDevices devices, CancellationToken ct) =>
        {
            var outcome = await accounts.LoginAsync(request, devices.RecognisedUser(context), ct);
            if (outcome.Succeeded)
            {
                devices.Remember(context, outcome.Value!.UserId());
            }

            return ToTokens(outcome, context);
        })
            .WithSummary("Sign in with email and password")
            .Produces<AccessTokenResponse>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        group.MapPost("/refresh", async Task<Results<SignInHttpResult, ProblemHttpResult>> (RefreshRequest request, AccountService accounts, CancellationToken ct) =>
            ToTokens(await accounts.RefreshAsync(request, ct)))
            .WithSummary("Exchange a refresh token for new tokens")
            .Produces<AccessTokenResponse>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapPost("/logout", async Task<NoContent> (ClaimsPrincipal user, AccountService accounts, CancellationToken ct) =>
        {
            await accounts.LogoutAsync(user, ct);
            return TypedResults.NoContent();
        }).RequireAuthorization()
            .WithSummary("Sign out this session");

        return group;
    }

    public static RouteGroupBuilder MapMe(this RouteGroupBuilder group)
    {
        group.WithTags("Accounts");
        group.MapGet("/me", async Task<Results<Ok<UserDto>, NotFound>> (ClaimsPrincipal user, AccountService accounts, CancellationToken ct) =>
            await accounts.FindAsync(user.UserId(), ct) is { } me ? TypedResults.Ok(me) : TypedResults.NotFound())
            .WithSummary("Get the signed-in user")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    public static RouteGroupBuilder MapAdminUsers(this RouteGroupBuilder group)
    {
        group.WithTags("Accounts");
        group.MapPost("/", async Task<Results<Created<UserDto>, ProblemHttpResult>> (CreateStaffRequest request, ClaimsPrincipal admin, AccountService accounts, CancellationToken ct) =>
            ToCreated(await accounts.CreateStaffAsync(request, admin.UserId(), ct), user => $"/api/v1/admin/users/{user.Id}"))
            .WithSummary("Create a staff account (admin)")
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("/", async Task<Results<Ok<IReadOnlyList<AdminUserDto>>, ValidationProblem>> (string? role, AccountService accounts, CancellationToken ct) =>
            role is not null && !Roles.All.Contains(role)
                ? Problems.Field("role", "Role must be one of: patient, doctor, nurse, admin.")
                : TypedResults.Ok(await accounts.ListAsync(role, ct)))
            .WithSummary("List users (admin)");

        group.MapPost("/{id:guid}/disable", async Task<Results<NoContent, ProblemHttpResult>> (Guid id, ClaimsPrincipal admin, AccountService accounts, CancellationToken ct) =>
        {
            if (id == admin.UserId())
            {
                return Problems.Conflict("user.cannot_disable_self", "Admins cannot disable their own account.");
            }

            return await accounts.DisableAsync(id, admin.UserId(), ct) ? TypedResults.NoContent() : Problems.NotFound("user.not_found", "User");
        })
            .WithSummary("Disable a user account (admin)")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return group;
    }

    private static Results<SignInHttpResult, ProblemHttpResult> ToTokens(Outcome<ClaimsPrincipal> outcome, HttpContext? context = null) =>
        outcome.Failure is { } failure
            ? failure.ToProblem(context)
            : TypedResults.SignIn(outcome.Value!, authenticationScheme: BearerTokenDefaults.AuthenticationScheme);

    private static Results<Created<UserDto>, ProblemHttpResult> ToCreated(Outcome<UserDto> outcome, Func<UserDto, string> location) =>
        outcome.Failure is { } failure ? failure.ToProblem() : TypedResults.Created(location(outcome.Value!), outcome.Value);
}
