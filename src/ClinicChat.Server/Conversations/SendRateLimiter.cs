using System.Collections.Concurrent;
using ClinicChat.Infrastructure;
using Microsoft.Extensions.Options;

namespace ClinicChat.Conversations;

/// <summary>
/// A token bucket per user, shared by REST and the hub so that switching transport buys no extra sends. Driven by
/// TimeProvider.GetUtcNow (not System.Threading.RateLimiting, whose replenishment runs on the real clock) so tests
/// control it.
/// </summary>
public sealed class SendRateLimiter(TimeProvider time, IOptions<LimitsOptions> limits)
{
    // Beyond this many tracked users, full (idle) buckets are dropped: a full bucket is the same as no bucket.
    private const int PruneThreshold = 10_000;

    private readonly ConcurrentDictionary<Guid, Bucket> _buckets = new();
    private readonly double _rate = limits.Value.SendsPerSecond;
    private readonly double _burst = limits.Value.SendBurst;

    /// <summary>Takes one token; when none is left, how long until one is.</summary>
    public bool TryAcquire(Guid userId, out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow();
        var bucket = _buckets.GetOrAdd(userId, static (_, state) => new Bucket(state.burst, state.now), (burst: _burst, now));
        bool acquired;
        lock (bucket)
        {
            bucket.Refill(now, _rate, _burst);
            acquired = bucket.Tokens >= 1;
            if (acquired)
            {
                bucket.Tokens -= 1;
                retryAfter = TimeSpan.Zero;
            }
            else
            {
                retryAfter = TimeSpan.FromSeconds((1 - bucket.Tokens) / _rate);
            }
        }

        if (_buckets.Count > PruneThreshold)
        {
            Prune(now);
        }

        return acquired;
    }

    /// <summary>The refusal every send path gives when <see cref="TryAcquire"/> fails (429 with Retry-After, same text).</summary>
    public Failure Refusal(TimeSpan retryAfter) =>
        new("message.rate_limited", FailureKind.RateLimited,
            $"Too many messages: {Describe()}. This message was not stored; send it again in a moment.",
            Title: "Too many messages", RetryAfter: retryAfter);

    public string Describe() => $"at most {_rate:0.##} per second per user (bursts of {_burst:0})";

    private void Prune(DateTimeOffset now)
    {
        foreach (var (userId, bucket) in _buckets)
        {
            lock (bucket)
            {
                bucket.Refill(now, _rate, _burst);
                if (bucket.Tokens >= _burst)
                {
                    _buckets.TryRemove(new KeyValuePair<Guid, Bucket>(userId, bucket));
                }
            }
        }
    }

    private sealed class Bucket(double tokens, DateTimeOffset stamp)
    {
        public double Tokens { get; set; } = tokens;

        private DateTimeOffset Stamp { get; set; } = stamp;

        public void Refill(DateTimeOffset now, double rate, double burst)
        {
            // A wall clock stepping backwards must not mint tokens: only forward time refills.
            var elapsed = (now - Stamp).TotalSeconds;
            if (elapsed > 0)
            {
                Tokens = Math.Min(burst, Tokens + (elapsed * rate));
            }

            Stamp = now;
        }
    }
}
