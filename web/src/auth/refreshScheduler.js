export const browserTimers = {
    now: () => Date.now(),
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (h) => globalThis.clearTimeout(h),
};
/**
 * When to refresh an access token that expires at expiresAtMs: a minute early, or halfway for very short
 * lifetimes, so a slow network or a sleeping tab still has time to refresh before requests start failing.
 */
export function refreshDelayMs(expiresAtMs, nowMs) {
    const remaining = expiresAtMs - nowMs;
    if (remaining <= 0)
        return 0;
    return Math.max(0, remaining - Math.min(60_000, remaining / 2));
}
/** Backoff after a refresh that failed for a transient reason (network, 5xx): 2 s, 4 s, 8 s ... capped at 60 s. */
export function retryDelayMs(attempt) {
    return Math.min(60_000, 2000 * 2 ** Math.max(0, attempt));
}
/** A refresh failure the session cannot recover from by retrying (the refresh token was refused). */
export class SessionEndedError extends Error {
    constructor(message) {
        super(message);
        this.name = "SessionEndedError";
    }
}
/**
 * Keeps one timer that refreshes the tokens ahead of expiry. The refresh itself is the session's job;
 * this only decides when, and retries transient failures with backoff.
 */
export class RefreshScheduler {
    refresh;
    timers;
    handle = null;
    attempt = 0;
    constructor(refresh, timers = browserTimers) {
        this.refresh = refresh;
        this.timers = timers;
    }
    get scheduled() {
        return this.handle !== null;
    }
    schedule(expiresAtMs) {
        this.cancel();
        this.attempt = 0;
        this.arm(refreshDelayMs(expiresAtMs, this.timers.now()));
    }
    cancel() {
        if (this.handle !== null)
            this.timers.clearTimeout(this.handle);
        this.handle = null;
    }
    arm(delay) {
        this.handle = this.timers.setTimeout(() => {
            this.handle = null;
            void this.run();
        }, delay);
    }
    async run() {
        try {
            // A successful refresh stores new tokens, and the session calls schedule() again with the new expiry.
            await this.refresh();
        }
        catch (e) {
            if (e instanceof SessionEndedError)
                return;
            this.arm(retryDelayMs(this.attempt++));
        }
    }
}
