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
        group.MapPost("/register", async Task<Results<Created<UserDto>, ProblemHttpResult>> (RegisterRequest request, AccountService accounts, CancellationToken ct) =>
            ToCreated(await accounts.RegisterPatientAsync(request, ct), _ => "/api/v1/me"));

        group.MapPost("/login", async Task<Results<SignInHttpResult, ProblemHttpResult>> (LoginRequest request, AccountService accounts, CancellationToken ct) =>
            ToTokens(await accounts.LoginAsync(request, ct)));

        group.MapPost("/refresh", async Task<Results<SignInHttpResult, ProblemHttpResult>> (RefreshRequest request, AccountService accounts, CancellationToken ct) =>
            ToTokens(await accounts.RefreshAsync(request, ct)));

        group.MapPost("/logout", async Task<NoContent> (ClaimsPrincipal user, AccountService accounts, CancellationToken ct) =>
        {
            await accounts.LogoutAsync(user, ct);
            return TypedResults.NoContent();
        }).RequireAuthorization();

        return group;
    }

    public static RouteGroupBuilder MapMe(this RouteGroupBuilder group)
    {
        group.MapGet("/me", async Task<Results<Ok<UserDto>, NotFound>> (ClaimsPrincipal user, AccountService accounts, CancellationToken ct) =>
            await accounts.FindAsync(user.UserId(), ct) is { } me ? TypedResults.Ok(me) : TypedResults.NotFound());
        return group;
    }

    public static RouteGroupBuilder MapAdminUsers(this RouteGroupBuilder group)
    {
        group.MapPost("/", async Task<Results<Created<UserDto>, ProblemHttpResult>> (CreateStaffRequest request, ClaimsPrincipal admin, AccountService accounts, CancellationToken ct) =>
            ToCreated(await accounts.CreateStaffAsync(request, admin.UserId(), ct), user => $"/api/v1/admin/users/{user.Id}"));

        group.MapGet("/", async Task<Results<Ok<IReadOnlyList<AdminUserDto>>, ValidationProblem>> (string? role, AccountService accounts, CancellationToken ct) =>
            role is not null && !Roles.All.Contains(role)
                ? Problems.Field("role", "Role must be one of: patient, doctor, nurse, admin.")
                : TypedResults.Ok(await accounts.ListAsync(role, ct)));

        group.MapPost("/{id:guid}/disable", async Task<Results<NoContent, ProblemHttpResult>> (Guid id, ClaimsPrincipal admin, AccountService accounts, CancellationToken ct) =>
        {
            if (id == admin.UserId())
            {
                return Problems.Conflict("user.cannot_disable_self", "Admins cannot disable their own account.");
            }

            return await accounts.DisableAsync(id, admin.UserId(), ct) ? TypedResults.NoContent() : Problems.NotFound("user.not_found", "User");
        });

        return group;
    }

    private static Results<SignInHttpResult, ProblemHttpResult> ToTokens(Outcome<ClaimsPrincipal> outcome) =>
        outcome.Failure is { } failure
            ? failure.ToProblem()
            : TypedResults.SignIn(outcome.Value!, authenticationScheme: BearerTokenDefaults.AuthenticationScheme);

    private static Results<Created<UserDto>, ProblemHttpResult> ToCreated(Outcome<UserDto> outcome, Func<UserDto, string> location) =>
        outcome.Failure is { } failure ? failure.ToProblem() : TypedResults.Created(location(outcome.Value!), outcome.Value);
}
