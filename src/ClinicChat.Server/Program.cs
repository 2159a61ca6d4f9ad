using ClinicChat.Accounts;
using ClinicChat.Articles;
using ClinicChat.Attachments;
using ClinicChat.Audit;
using ClinicChat.Care;
using ClinicChat.Consultations;
using ClinicChat.Conversations;
using ClinicChat.Demo;
using ClinicChat.Doctors;
using ClinicChat.Infrastructure;
using ClinicChat.Payments;
using ClinicChat.Realtime;
using ClinicChat.Support;
using ClinicChat.WebClient;

HostRunner.ReportStartupFailuresAsOneLine();
var builder = WebApplication.CreateBuilder(args);

builder.AddOperations();
builder.AddDatabase();
builder.AddKeyRingInDatabase();
builder.AddApiProblemDetails();
builder.AddInputHygiene();
builder.AddWebSecurity();
builder.AddTrustedProxies();
builder.AddAudit();
builder.AddAccounts(queryTokenPaths: [RealtimeSetup.HubPath, AttachmentEndpoints.DownloadPathPrefix]);
builder.AddDoctors();
builder.AddConversations();
builder.AddCare();
builder.AddRealtime();
builder.AddPayments();
builder.AddConsultations();
builder.AddSupport();
builder.AddArticles();
builder.AddAttachments();
builder.AddDemo();
builder.AddWebClient();

var app = builder.Build();

app.UseTrustedProxies();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseSecurityHeaders();
app.UseCors();
app.UseInputHygiene();
app.UseRealtimeGate();
app.UseClinicAuthentication(admittedElsewhere: RealtimeSetup.IsHubConnect);

app.MapOperations();
app.MapRealtime();
app.MapGroup(SimulatedGateway.CheckoutPath).WithInputHygiene().MapPaymentSimulator();

var api = app.MapGroup("/api/v1").WithCommonResponses().WithInputHygiene();
api.MapGroup("").AllowAnonymous().MapClinic();
api.MapGroup("/auth").RequireRateLimiting(AccountEndpoints.LoginRateLimit).MapAuth();
api.MapGroup("").RequireAuthorization().MapMe();
api.MapGroup("/admin/users").RequireAuthorization(Roles.Admin).MapAdminUsers();
api.MapGroup("/admin/audit").RequireAuthorization(Roles.Admin).MapAudit();
api.MapGroup("/doctors").RequireAuthorization().MapDoctors();
api.MapGroup("/conversations").RequireAuthorization().MapConversations();
api.MapGroup("").RequireAuthorization().MapMessages();
api.MapGroup("/admin/patients").RequireAuthorization(Roles.Admin).MapCareAdmin();
api.MapGroup("/care").RequireAuthorization().MapCare();
api.MapGroup("/consultations").RequireAuthorization().MapConsultations();
api.MapGroup("/admin/refunds").RequireAuthorization(Roles.Admin).MapRefundsAdmin();
api.MapGroup("/payments").AllowAnonymous().RequireRateLimiting(PaymentsSetup.WebhookRateLimit).MapPaymentWebhooks();
api.MapGroup("/support").RequireAuthorization().MapSupport();
api.MapGroup("").AllowAnonymous().MapArticles();
api.MapGroup("/admin").RequireAuthorization(Roles.Admin).MapArticlesAdmin();
api.MapGroup("/conversations").RequireAuthorization().MapAttachmentUploads();
api.MapGroup("/attachments").RequireAuthorization().MapAttachments();

app.MapWebClient();

return await app.RunClinicChatAsync(args);

public partial class Program;
