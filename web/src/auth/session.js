import { ApiError } from "../api/problem";
import { browserTimers, RefreshScheduler, SessionEndedError } from "./refreshScheduler";
export const API_BASE = "/api/v1";
const STORAGE_KEY = "clinicchat.session";
export const REVOKED_MESSAGE = "Your session has ended. Please sign in again.";
/**
 * Owns the tokens: in memory, mirrored to sessionStorage so a reload keeps the tab signed in (and closing the
 * tab forgets it). Refreshes ahead of expiry, and once more when the server answers 401; if the refresh token
 * is refused the session is over and the app goes back to sign-in with a message.
 */
export class Session {
    tokens = null;
    inflight = null;
    scheduler;
    fetchImpl;
    storage;
    timers;
    listeners = new Set();
    snapshot = { user: null, endedReason: null, restoring: false };
    constructor(deps = {}) {
        this.fetchImpl = deps.fetch ?? ((input, init) => globalThis.fetch(input, init));
        this.storage = deps.storage === undefined ? safeSessionStorage() : deps.storage;
        this.timers = deps.timers ?? browserTimers;
        this.scheduler = new RefreshScheduler(() => this.refresh(), this.timers);
    }
    get state() {
        return this.snapshot;
    }
    get user() {
        return this.snapshot.user;
    }
    get hasTokens() {
        return this.tokens !== null;
    }
    subscribe = (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
    };
    getSnapshot = () => this.snapshot;
    set(patch) {
        this.snapshot = { ...this.snapshot, ...patch };
        for (const l of this.listeners)
            l();
    }
    /** Picks up the tokens this tab stored before a reload. */
    async restore() {
        const raw = this.storage?.getItem(STORAGE_KEY);
        if (!raw)
            return;
        try {
            const stored = JSON.parse(raw);
            if (!stored.accessToken || !stored.refreshToken)
                throw new Error("incomplete");
            this.tokens = stored;
        }
        catch {
            this.storage?.removeItem(STORAGE_KEY);
            return;
        }
        this.set({ restoring: true });
        try {
            if (this.tokens.expiresAt - this.timers.now() < 5000)
                await this.refresh();
            else
                this.scheduler.schedule(this.tokens.expiresAt);
            const user = await this.loadMe();
            this.set({ user, restoring: false, endedReason: null });
        }
        catch (e) {
            if (!(e instanceof SessionEndedError))
                this.clear(null);
            this.set({ restoring: false });
        }
    }
    async login(email, password) {
        const response = await this.post("/auth/login", { email, password });
        this.store((await response.json()));
        const user = await this.loadMe();
        this.set({ user, endedReason: null });
        return user;
    }
    async register(email, password, displayName) {
        await this.post("/auth/register", { email, password, displayName });
    }
    async logout() {
        const token = this.tokens?.accessToken;
        this.clear(null);
        if (token) {
            // Best effort: the tokens are already forgotten here, and the server revokes the session when it hears this.
            await this.fetchImpl(`${API_BASE}/auth/logout`, { method: "POST", headers: { Authorization: `Bearer ${token}` } }).catch(() => undefined);
        }
    }
    /** The access token to use now; refreshes first if it is about to expire. */
    async accessToken() {
        if (!this.tokens)
            throw new SessionEndedError(REVOKED_MESSAGE);
        if (this.tokens.expiresAt - this.timers.now() < 5000)
            await this.refresh();
        return this.tokens.accessToken;
    }
    /** One refresh at a time: concurrent callers (scheduler, 401 retry, hub reconnect) share it. */
    refresh() {
        this.inflight ??= this.doRefresh().finally(() => {
            this.inflight = null;
        });
        return this.inflight;
    }
    async doRefresh() {
        const refreshToken = this.tokens?.refreshToken;
        if (!refreshToken)
            throw new SessionEndedError(REVOKED_MESSAGE);
        let response;
        try {
            response = await this.fetchImpl(`${API_BASE}/auth/refresh`, {
                method: "POST",
                headers: { "Content-Type": "application/json" },
                body: JSON.stringify({ refreshToken }),
            });
        }
        catch (e) {
            throw ApiError.network(e);
        }
        if (response.status === 400 || response.status === 401 || response.status === 403) {
            this.end(REVOKED_MESSAGE);
            throw new SessionEndedError(REVOKED_MESSAGE);
        }
        if (!response.ok)
            throw await ApiError.fromResponse(response);
        this.store((await response.json()));
    }
    /** Ends the session because the server no longer honours it; the sign-in page shows the reason. */
    end(reason) {
        if (!this.tokens && !this.snapshot.user)
            return;
        this.clear(reason);
    }
    clear(reason) {
        this.tokens = null;
        this.scheduler.cancel();
        this.storage?.removeItem(STORAGE_KEY);
        this.set({ user: null, endedReason: reason });
    }
    store(tokens) {
        this.tokens = {
            accessToken: tokens.accessToken,
            refreshToken: tokens.refreshToken,
            expiresAt: this.timers.now() + tokens.expiresIn * 1000,
        };
        this.storage?.setItem(STORAGE_KEY, JSON.stringify(this.tokens));
        this.scheduler.schedule(this.tokens.expiresAt);
    }
    async loadMe() {
        return (await authorizedRequest(this, this.fetchImpl, "GET", "/me"));
    }
    async post(path, body) {
        let response;
        try {
            response = await this.fetchImpl(`${API_BASE}${path}`, {
                method: "POST",
                headers: { "Content-Type": "application/json" },
                body: JSON.stringify(body),
            });
        }
        catch (e) {
            throw ApiError.network(e);
        }
        if (!response.ok)
            throw await ApiError.fromResponse(response);
        return response;
    }
}
/**
 * A call to the API with the bearer token; on 401 it refreshes once and retries once. A second 401 (or a refused
 * refresh) means the session was revoked.
 */
export async function authorizedRequest(session, fetchImpl, method, path, body) {
    for (let attempt = 0;; attempt++) {
        const token = await session.accessToken();
        const headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
        if (body !== undefined)
            headers["Content-Type"] = "application/json";
        let response;
        try {
            response = await fetchImpl(`${API_BASE}${path}`, {
                method,
                headers,
                body: body === undefined ? undefined : JSON.stringify(body),
            });
        }
        catch (e) {
            throw ApiError.network(e);
        }
        if (response.status === 401) {
            if (attempt === 0) {
                await session.refresh();
                continue;
            }
            session.end(REVOKED_MESSAGE);
            throw new SessionEndedError(REVOKED_MESSAGE);
        }
        if (!response.ok)
            throw await ApiError.fromResponse(response);
        if (response.status === 204)
            return undefined;
        const text = await response.text();
        return text ? JSON.parse(text) : undefined;
    }
}
function safeSessionStorage() {
    try {
        return globalThis.sessionStorage ?? null;
    }
    catch {
        return null;
    }
}
