using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace ClinicChat.Payments;

public static class PaymentsSetup
{
    /// <summary>The webhook's per-client-address limit (Payments:WebhookRequestsPerMinute).</summary>
    public const string WebhookRateLimit = "payment-webhook";

    public static WebApplicationBuilder AddPayments(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MidtransOptions>().BindConfiguration(MidtransOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MidtransOptions>, MidtransOptionsValidator>();
        builder.Services.AddHttpClient<MidtransClient>((services, http) =>
                http.Timeout = services.GetRequiredService<IOptions<MidtransOptions>>().Value.RequestTimeout)
            // The client lives inside singletons: a pooled-connection lifetime keeps DNS fresh without handler rotation.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .RedactLoggedHeaders(_ => true);
        builder.Services.AddSingleton<MidtransGateway>();
        builder.Services.AddSingleton<SimulatedGateway>();
        builder.Services.AddSingleton<IPaymentGateway>(services =>
            services.GetRequiredService<IOptions<MidtransOptions>>().Value.Enabled
                ? services.GetRequiredService<MidtransGateway>()
                : services.GetRequiredService<SimulatedGateway>());
        builder.Services.AddSingleton<PaymentNotifications>();
        builder.Services.AddSingleton<Refunds>();
        builder.Services.AddOptions<PaymentsOptions>().BindConfiguration(PaymentsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<PaymentNotificationRetention>();
        builder.Services.AddHostedService(services => services.GetRequiredService<PaymentNotificationRetention>());
        builder.Services.AddRateLimiter(options => options.AddPolicy(WebhookRateLimit, context =>
        {
            var payments = context.RequestServices.GetRequiredService<IOptions<PaymentsOptions>>().Value;
            return RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = payments.WebhookRequestsPerMinute, Window = TimeSpan.FromMinutes(1) });
        }));
        return builder;
    }
}
