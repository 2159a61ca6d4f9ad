using ClinicChat.Accounts;
using ClinicChat.Care;
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
builder.AddCare();
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
api.MapGroup("/admin/patients").RequireAuthorization(Roles.Admin).MapCareAdmin();
api.MapGroup("/care").RequireAuthorization().MapCare();

return await app.RunClinicChatAsync(args);

public partial class Program;
