using System.Diagnostics.Metrics;
using System.Net;
using ClinicChat.Payments;
using ClinicChat.Tests.Consultations;
using ClinicChat.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace ClinicChat.Tests.Payments;

/// <summary>Anonymous posts to the webhook: one address cannot flood it (a fixture of its own: it spends the limit).</summary>
public sealed class WebhookAbuseTests(WebhookAbuseTests.LimitedApp app) : IClassFixture<WebhookAbuseTests.LimitedApp>
{
    public const int PerMinute = 25;

    public sealed class LimitedApp : MidtransApp
    {
        public LimitedApp() => Settings["Payments:WebhookRequestsPerMinute"] = PerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task OneAddressPostingTooOftenGets429WithRetryAfter()
    {
        var http = app.CreateAnonymousClient();
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < PerMinute + 5; i++)
        {
            answers.Add(await http.PostAsync("/api/v1/payments/midtrans/notification",
                new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken));
        }

        var refused = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(refused);
        Assert.InRange(answers.Count(a => a.StatusCode != HttpStatusCode.TooManyRequests), 1, PerMinute);
        foreach (var answer in refused)
        {
            Assert.InRange(answer.Headers.RetryAfter?.Delta?.TotalSeconds ?? -1, 1, 60);
            await ProblemAssertions.AssertProblemAsync(answer, HttpStatusCode.TooManyRequests);
        }
    }

    /// <summary>Counts the rejected-notification counter of this server's meter only (each test server has its own).</summary>
    internal sealed class RejectedCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _byReason = [];
        private readonly Lock _gate = new();

        public RejectedCounter(IMeterFactory meters)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == PaymentNotifications.MeterName && instrument.Name == PaymentNotifications.RejectedCounterName
                    && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                var reason = "";
                foreach (var tag in tags)
                {
                    if (tag.Key == "reason")
                    {
                        reason = tag.Value as string ?? "";
                    }
                }

                lock (_gate)
                {
                    _byReason[reason] = _byReason.GetValueOrDefault(reason) + value;
                }
            });
            _listener.Start();
        }

        public long For(string reason)
        {
            lock (_gate)
            {
                return _byReason.GetValueOrDefault(reason);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}

/// <summary>Stored (signed) notifications are deleted once older than Payments:NotificationRetentionDays, on the server's clock.</summary>
public sealed class NotificationRetentionTests(NotificationRetentionTests.RetentionApp app) : IClassFixture<NotificationRetentionTests.RetentionApp>
{
    public sealed class RetentionApp : MidtransApp
    {
        public RetentionApp() => Settings["Payments:NotificationRetentionDays"] = "30";
    }

    [Fact]
    public async Task NotificationsOlderThanTheRetentionAreDeletedByTheHourlyJob()
    {
        var ct = TestContext.Current.CancellationToken;
        var doctor = await app.CreateDoctorAsync();
        var patient = await app.RegisterPatientAsync();
        var booked = await ConsultationApp.BookAsync(patient, doctor.Id);
        var orderId = booked.Payment!.OrderId;
        app.Midtrans.SetStatus(orderId, "settlement");
        var body = app.Midtrans.NotificationJson(orderId, "settlement", "accept", FakeMidtrans.Amount(150_000));
        await (await app.NotifyAsync(body)).EnsureSuccessAsync();
        var retention = app.Services.GetRequiredService<PaymentNotificationRetention>();

        app.Clock.Advance(TimeSpan.FromDays(20));
        var secondAt = app.Clock.GetUtcNow();
        await (await app.NotifyAsync(body)).EnsureSuccessAsync();
        await using var db = app.OpenDatabase();
        Task<int> StoredAsync() => db.ExecuteScalarAsync<int>("select count(*) from payment_notifications where order_id = @OrderId", new { OrderId = orderId });
        Assert.Equal(2, await StoredAsync());

        // 31 days after the first, 11 after the second: only the first is past 30 days. The job runs on the
        // server's clock; a tick already due may run first, so the clock moves on by one interval until it has run.
        app.Clock.Advance(TimeSpan.FromDays(11));
        for (var attempt = 0; attempt < 5 && await StoredAsync() != 1; attempt++)
        {
            var next = retention.NextRun;
            app.Clock.Advance(PaymentNotificationRetention.Interval);
            await next.WaitAsync(TimeSpan.FromSeconds(10), ct);
        }

        Assert.Equal(1, await StoredAsync());
        Assert.Equal(secondAt, await db.ExecuteScalarAsync<DateTimeOffset>(
            "select received_at from payment_notifications where order_id = @OrderId", new { OrderId = orderId }));
    }
}

/// <summary>Anonymous posts to the webhook: nothing unsigned is stored, only counted and logged.</summary>
public sealed class WebhookForgeryTests(MidtransApp app) : IClassFixture<MidtransApp>
{
    [Fact]
    public async Task ForgedAndMalformedBodiesAreCountedAndLoggedButNeverStored()
    {
        using var rejected = new WebhookAbuseTests.RejectedCounter(app.Services.GetRequiredService<IMeterFactory>());
        await using var db = app.OpenDatabase();
        var bytesBefore = await db.ExecuteScalarAsync<long>("select coalesce(sum(length(body)), 0) from payment_notifications");
        var padding = new string('x', 12 * 1024);
        var orderId = "cc-" + Guid.NewGuid().ToString("N");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            var forged = $$"""{"order_id":"{{orderId}}","status_code":"200","gross_amount":"150000.00","transaction_status":"settlement","signature_key":"{{new string('a', 128)}}","pad":"{{padding}}"}""";
            statuses.Add((await app.NotifyAsync(forged)).StatusCode);
            statuses.Add((await app.NotifyAsync("{" + padding)).StatusCode);
        }

        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.BadRequest));
        Assert.Equal(bytesBefore, await db.ExecuteScalarAsync<long>("select coalesce(sum(length(body)), 0) from payment_notifications"));
        Assert.Equal(10, rejected.For("bad_signature"));
        Assert.Equal(10, rejected.For("malformed"));
        Assert.Contains(app.Logs.Lines, l => l.Contains("Forged", StringComparison.Ordinal) && l.Contains(orderId, StringComparison.Ordinal));
    }
}
