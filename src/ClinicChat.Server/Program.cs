using ClinicChat.Accounts;
using ClinicChat.Conversations;
using ClinicChat.Doctors;
using ClinicChat.Infrastructure;
using ClinicChat.Realtime;
using ClinicChat.WebClient;
using ClinicChat.Support;

var builder = WebApplication.CreateBuilder(args);

builder.AddOperations();
builder.AddDatabase();
builder.AddKeyRingInDatabase();
builder.AddApiProblemDetails();
builder.AddWebSecurity();
builder.AddAccounts();
builder.AddDoctors();
builder.AddConversations();
builder.AddRealtime();
builder.AddWebClient();
builder.AddSupport();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseSecurityHeaders();
app.UseCors();
app.UseClinicAuthentication();

app.MapOperations();
app.MapRealtime();

var api = app.MapGroup("/api/v1");
api.MapGroup("/auth").RequireRateLimiting(AccountEndpoints.LoginRateLimit).MapAuth();
api.MapGroup("").RequireAuthorization().MapMe();
api.MapGroup("/admin/users").RequireAuthorization(Roles.Admin).MapAdminUsers();
api.MapGroup("/doctors").RequireAuthorization().MapDoctors();
api.MapGroup("/support").RequireAuthorization().MapSupport();

app.MapWebClient();

return await app.RunClinicChatAsync(args);

public partial class Program;
