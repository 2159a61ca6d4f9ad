import { ApiError } from "../api/problem";
import type { Tokens, User } from "../api/types";
import { browserTimers, RefreshScheduler, SessionEndedError, type Timers } from "./refreshScheduler";

export const API_BASE = "/api/v1";
const STORAGE_KEY = "clinicchat.session";

interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

export interface SessionSnapshot {
  user: User | null;
  /** Why the last session ended (shown on the sign-in page), if it did not end by signing out. */
  endedReason: string | null;
  /** True while a stored session is being restored at start-up. */
  restoring: boolean;
}

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface SessionDeps {
  fetch?: FetchLike;
  storage?: Pick<Storage, "getItem" | "setItem" | "removeItem"> | null;
  timers?: Timers;
}

export const REVOKED_MESSAGE = "Your session has ended. Please sign in again.";

/**
 * Owns the tokens: in memory, mirrored to sessionStorage so a reload keeps the tab signed in (and closing the
 * tab forgets it). Refreshes ahead of expiry, and once more when the server answers 401; if the refresh token
 * is refused the session is over and the app goes back to sign-in with a message.
 */
export class Session {
  private tokens: StoredTokens | null = null;
  private inflight: Promise<void> | null = null;
  private readonly scheduler: RefreshScheduler;
  private readonly fetchImpl: FetchLike;
  private readonly storage: SessionDeps["storage"];
  private readonly timers: Timers;
  private readonly listeners = new Set<() => void>();
  private snapshot: SessionSnapshot = { user: null, endedReason: null, restoring: false };

  constructor(deps: SessionDeps = {}) {
    this.fetchImpl = deps.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.storage = deps.storage === undefined ? safeSessionStorage() : deps.storage;
    this.timers = deps.timers ?? browserTimers;
    this.scheduler = new RefreshScheduler(() => this.refresh(), this.timers);
  }

  get state(): SessionSnapshot {
    return this.snapshot;
  }

  get user(): User | null {
    return this.snapshot.user;
  }

  get hasTokens(): boolean {
    return this.tokens !== null;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): SessionSnapshot => this.snapshot;

  private set(patch: Partial<SessionSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of this.listeners) l();
  }

  /** Picks up the tokens this tab stored before a reload. */
  async restore(): Promise<void> {
    const raw = this.storage?.getItem(STORAGE_KEY);
    if (!raw) return;
    try {
      const stored = JSON.parse(raw) as StoredTokens;
      if (!stored.accessToken || !stored.refreshToken) throw new Error("incomplete");
      this.tokens = stored;
    } catch {
      this.storage?.removeItem(STORAGE_KEY);
      return;
    }
    this.set({ restoring: true });
    try {
      if (this.tokens.expiresAt - this.timers.now() < 5000) await this.refresh();
      else this.scheduler.schedule(this.tokens.expiresAt);
      const user = await this.loadMe();
      this.set({ user, restoring: false, endedReason: null });
    } catch (e) {
      if (!(e instanceof SessionEndedError)) this.clear(null);
      this.set({ restoring: false });
    }
  }

  async login(email: string, password: string): Promise<User> {
    const response = await this.post("/auth/login", { email, password });
    this.store((await response.json()) as Tokens);
    const user = await this.loadMe();
    this.set({ user, endedReason: null });
    return user;
  }

  async register(email: string, password: string, displayName: string): Promise<void> {
    await this.post("/auth/register", { email, password, displayName });
  }

  async logout(): Promise<void> {
    const token = this.tokens?.accessToken;
    this.clear(null);
    if (token) {
      // Best effort: the tokens are already forgotten here, and the server revokes the session when it hears this.
      await this.fetchImpl(`${API_BASE}/auth/logout`, { method: "POST", headers: { Authorization: `Bearer ${token}` } }).catch(() => undefined);
    }
  }

  /**
   * The access token as it is now, without refreshing: for URLs the browser fetches by itself (<img src>, download
   * links), which cannot send a header. Views read it when they render, so a refreshed token shows up on the next one.
   */
  get currentAccessToken(): string | null {
    return this.tokens?.accessToken ?? null;
  }

  /** The access token to use now; refreshes first if it is about to expire. */
  async accessToken(): Promise<string> {
    if (!this.tokens) throw new SessionEndedError(REVOKED_MESSAGE);
    if (this.tokens.expiresAt - this.timers.now() < 5000) await this.refresh();
    return this.tokens.accessToken;
  }

  /** One refresh at a time: concurrent callers (scheduler, 401 retry, hub reconnect) share it. */
  refresh(): Promise<void> {
    this.inflight ??= this.doRefresh().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async doRefresh(): Promise<void> {
    const refreshToken = this.tokens?.refreshToken;
    if (!refreshToken) throw new SessionEndedError(REVOKED_MESSAGE);
    let response: Response;
    try {
      response = await this.fetchImpl(`${API_BASE}/auth/refresh`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refreshToken }),
      });
    } catch (e) {
      throw ApiError.network(e);
    }
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      this.end(REVOKED_MESSAGE);
      throw new SessionEndedError(REVOKED_MESSAGE);
    }
    if (!response.ok) throw await ApiError.fromResponse(response);
    this.store((await response.json()) as Tokens);
  }

  /** Ends the session because the server no longer honours it; the sign-in page shows the reason. */
  end(reason: string): void {
    if (!this.tokens && !this.snapshot.user) return;
    this.clear(reason);
  }

  private clear(reason: string | null): void {
    this.tokens = null;
    this.scheduler.cancel();
    this.storage?.removeItem(STORAGE_KEY);
    this.set({ user: null, endedReason: reason });
  }

  private store(tokens: Tokens): void {
    this.tokens = {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: this.timers.now() + tokens.expiresIn * 1000,
    };
    this.storage?.setItem(STORAGE_KEY, JSON.stringify(this.tokens));
    this.scheduler.schedule(this.tokens.expiresAt);
  }

  private async loadMe(): Promise<User> {
    return (await authorizedRequest(this, this.fetchImpl, "GET", "/me")) as User;
  }

  private async post(path: string, body: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${API_BASE}${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch (e) {
      throw ApiError.network(e);
    }
    if (!response.ok) throw await ApiError.fromResponse(response);
    return response;
  }
}

/**
 * A call to the API with the bearer token; on 401 it refreshes once and retries once. A second 401 (or a refused
 * refresh) means the session was revoked.
 */
export async function authorizedRequest(
  session: Session,
  fetchImpl: FetchLike,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    const token = await session.accessToken();
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetchImpl(`${API_BASE}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
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
    if (!response.ok) throw await ApiError.fromResponse(response);
    if (response.status === 204) return undefined;
    const text = await response.text();
    return text ? JSON.parse(text) : undefined;
  }
}

function safeSessionStorage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}
