using ClinicChat.Accounts;
using ClinicChat.Consultations;
using ClinicChat.Conversations;
using ClinicChat.Doctors;
using ClinicChat.Infrastructure;
using ClinicChat.Payments;
using ClinicChat.Realtime;
using ClinicChat.Support;
using ClinicChat.WebClient;

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
builder.AddPayments();
builder.AddConsultations();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseSecurityHeaders();
app.UseCors();
app.UseClinicAuthentication();

app.MapOperations();
app.MapRealtime();
app.MapGroup(SimulatedGateway.CheckoutPath).MapPaymentSimulator();

var api = app.MapGroup("/api/v1");
api.MapGroup("/auth").RequireRateLimiting(AccountEndpoints.LoginRateLimit).MapAuth();
api.MapGroup("").RequireAuthorization().MapMe();
api.MapGroup("/admin/users").RequireAuthorization(Roles.Admin).MapAdminUsers();
api.MapGroup("/doctors").RequireAuthorization().MapDoctors();
api.MapGroup("/support").RequireAuthorization().MapSupport();

api.MapGroup("/consultations").RequireAuthorization().MapConsultations();
api.MapGroup("/payments").AllowAnonymous().MapPaymentWebhooks();

app.MapWebClient();

return await app.RunClinicChatAsync(args);

public partial class Program;
