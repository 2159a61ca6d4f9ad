using ClinicChat.Accounts;
using ClinicChat.Conversations;
using ClinicChat.Doctors;
using ClinicChat.Infrastructure;
using ClinicChat.Realtime;

var builder = WebApplication.CreateBuilder(args);

builder.AddOperations();
builder.AddDatabase();
builder.AddApiProblemDetails();
builder.AddWebSecurity();
builder.AddAccounts();
builder.AddDoctors();
builder.AddConversations();
builder.AddRealtime();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseSecurityHeaders();
app.UseCors();
app.UseRealtimeGate();
app.UseClinicAuthentication();

app.MapOperations();
app.MapRealtime();

var api = app.MapGroup("/api/v1");
api.MapGroup("/auth").RequireRateLimiting(AccountEndpoints.LoginRateLimit).MapAuth();
api.MapGroup("").RequireAuthorization().MapMe();
api.MapGroup("/admin/users").RequireAuthorization(Roles.Admin).MapAdminUsers();
api.MapGroup("/doctors").RequireAuthorization().MapDoctors();
api.MapGroup("/conversations").RequireAuthorization().MapConversations();
api.MapGroup("").RequireAuthorization().MapMessages();

return await app.RunClinicChatAsync(args);

public partial class Program;
