import { describe, expect, it } from "vitest";
import { Api } from "../api/client";
import { ApiError } from "../api/problem";
import { RefreshScheduler, refreshDelayMs, retryDelayMs, SessionEndedError, type Timers } from "./refreshScheduler";
import { REVOKED_MESSAGE, Session } from "./session";

/** A clock and timer queue that move only when told. */
class FakeTimers implements Timers {
  time = 1_000_000;
  private queue: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now = () => this.time;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.nextId++;
    this.queue.push({ at: this.time + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.queue = this.queue.filter((t) => t.id !== h);
  };
  get pending() {
    return this.queue.map((t) => t.at - this.time);
  }
  async advance(ms: number) {
    const until = this.time + ms;
    for (;;) {
      const due = this.queue.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.queue = this.queue.filter((t) => t !== due);
      this.time = due.at;
      due.fn();
      await flush();
    }
    this.time = until;
  }
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

class MemoryStorage {
  items = new Map<string, string>();
  getItem = (k: string) => this.items.get(k) ?? null;
  setItem = (k: string, v: string) => void this.items.set(k, v);
  removeItem = (k: string) => void this.items.delete(k);
}

const json = (status: number, body: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const user = { id: "u1", email: "andi@example.com", displayName: "Andi", role: "patient" };

/** A fake server: scripted answers per route, and a log of what was called with which token. */
function fakeServer(overrides: Record<string, (init?: RequestInit) => Response> = {}) {
  const calls: { path: string; auth: string | null }[] = [];
  let tokenNo = 0;
  const tokens = () => {
    tokenNo++;
    return json(200, { tokenType: "Bearer", accessToken: `access-${tokenNo}`, expiresIn: 900, refreshToken: `refresh-${tokenNo}` });
  };
  const answer = (input: string, init?: RequestInit): Response => {
    const path = input.replace("/api/v1", "");
    const auth = (init?.headers as Record<string, string> | undefined)?.Authorization ?? null;
    calls.push({ path, auth });
    const override = overrides[path];
    if (override) return override(init);
    if (path === "/auth/login" || path === "/auth/refresh") return tokens();
    if (path === "/me") return json(200, user);
    return json(404, { title: "Not found" });
  };
  const fetch = (input: string, init?: RequestInit) => Promise.resolve(answer(input, init));
  return { fetch, calls };
}

describe("refresh timing", () => {
  it("refreshes a 15-minute token a minute before it expires", () => {
    expect(refreshDelayMs(15 * 60_000, 0)).toBe(14 * 60_000);
  });

  it("refreshes a very short token halfway", () => {
    expect(refreshDelayMs(30_000, 0)).toBe(15_000);
  });

  it("refreshes an expired token at once", () => {
    expect(refreshDelayMs(1000, 5000)).toBe(0);
  });

  it("backs off transient failures up to a minute", () => {
    expect([0, 1, 2, 10].map(retryDelayMs)).toEqual([2000, 4000, 8000, 60_000]);
  });
});

describe("RefreshScheduler", () => {
  it("calls refresh when the timer fires, not before", async () => {
    const timers = new FakeTimers();
    let refreshed = 0;
    const scheduler = new RefreshScheduler(() => Promise.resolve(void refreshed++), timers);
    scheduler.schedule(timers.now() + 900_000);
    await timers.advance(839_000);
    expect(refreshed).toBe(0);
    await timers.advance(1000);
    expect(refreshed).toBe(1);
  });

  it("keeps a single timer when rescheduled", () => {
    const timers = new FakeTimers();
    const scheduler = new RefreshScheduler(() => Promise.resolve(), timers);
    scheduler.schedule(timers.now() + 900_000);
    scheduler.schedule(timers.now() + 600_000);
    expect(timers.pending).toEqual([540_000]);
  });

  it("retries a transient failure with backoff", async () => {
    const timers = new FakeTimers();
    let attempts = 0;
    const scheduler = new RefreshScheduler(() => (++attempts < 3 ? Promise.reject(new Error("offline")) : Promise.resolve()), timers);
    scheduler.schedule(timers.now() + 120_000);
    await timers.advance(60_000);
    expect(attempts).toBe(1);
    await timers.advance(2000);
    expect(attempts).toBe(2);
    await timers.advance(4000);
    expect(attempts).toBe(3);
    expect(scheduler.scheduled).toBe(false);
  });

  it("stops when the session has ended", async () => {
    const timers = new FakeTimers();
    const scheduler = new RefreshScheduler(() => Promise.reject(new SessionEndedError("gone")), timers);
    scheduler.schedule(timers.now() + 120_000);
    await timers.advance(60_000);
    expect(scheduler.scheduled).toBe(false);
  });
});

describe("Session", () => {
  it("signs in, stores tokens in sessionStorage and schedules the refresh", async () => {
    const timers = new FakeTimers();
    const storage = new MemoryStorage();
    const server = fakeServer();
    const session = new Session({ fetch: server.fetch, storage, timers });

    const me = await session.login("andi@example.com", "password-123");

    expect(me.displayName).toBe("Andi");
    expect((JSON.parse(storage.getItem("clinicchat.session")!) as { accessToken: string }).accessToken).toBe("access-1");
    expect(timers.pending).toEqual([840_000]);
  });

  it("refreshes ahead of expiry so requests keep a valid token", async () => {
    const timers = new FakeTimers();
    const server = fakeServer();
    const session = new Session({ fetch: server.fetch, storage: new MemoryStorage(), timers });
    await session.login("andi@example.com", "password-123");

    await timers.advance(840_000);

    expect(await session.accessToken()).toBe("access-2");
    expect(server.calls.filter((c) => c.path === "/auth/refresh")).toHaveLength(1);
  });

  it("restores a stored session after a reload", async () => {
    const timers = new FakeTimers();
    const storage = new MemoryStorage();
    const server = fakeServer();
    await new Session({ fetch: server.fetch, storage, timers }).login("andi@example.com", "password-123");

    const reloaded = new Session({ fetch: server.fetch, storage, timers });
    await reloaded.restore();

    expect(reloaded.user?.id).toBe("u1");
  });

  it("on a 401 refreshes once and retries with the new token", async () => {
    const timers = new FakeTimers();
    let doctorsCalls = 0;
    const server = fakeServer({
      "/doctors": () => (++doctorsCalls === 1 ? json(401, { title: "Unauthorized" }) : json(200, [])),
    });
    const session = new Session({ fetch: server.fetch, storage: new MemoryStorage(), timers });
    await session.login("andi@example.com", "password-123");

    await expect(new Api(session, server.fetch).doctors()).resolves.toEqual([]);

    const doctorCalls = server.calls.filter((c) => c.path === "/doctors");
    expect(doctorCalls.map((c) => c.auth)).toEqual(["Bearer access-1", "Bearer access-2"]);
  });

  it("a revoked session returns to sign-in with a message", async () => {
    const timers = new FakeTimers();
    const server = fakeServer({
      "/doctors": () => json(401, { title: "Unauthorized" }),
      "/auth/refresh": () => json(401, { title: "Unauthorized", detail: "Refresh token is not valid." }),
    });
    const storage = new MemoryStorage();
    const session = new Session({ fetch: server.fetch, storage, timers });
    await session.login("andi@example.com", "password-123");

    await expect(new Api(session, server.fetch).doctors()).rejects.toBeInstanceOf(SessionEndedError);

    expect(session.user).toBeNull();
    expect(session.state.endedReason).toBe(REVOKED_MESSAGE);
    expect(storage.getItem("clinicchat.session")).toBeNull();
    expect(timers.pending).toEqual([]);
  });

  it("concurrent 401s share one refresh", async () => {
    const timers = new FakeTimers();
    const server = fakeServer({
      "/doctors": (init) =>
        (init?.headers as Record<string, string>).Authorization === "Bearer access-1" ? json(401, {}) : json(200, []),
    });
    const session = new Session({ fetch: server.fetch, storage: new MemoryStorage(), timers });
    await session.login("andi@example.com", "password-123");
    const api = new Api(session, server.fetch);

    await Promise.all([api.doctors(), api.doctors(), api.doctors()]);

    expect(server.calls.filter((c) => c.path === "/auth/refresh")).toHaveLength(1);
  });

  it("shows field errors from a problem details answer", async () => {
    const server = fakeServer({
      "/auth/register": () =>
        json(400, { title: "One or more validation errors occurred.", errors: { password: ["Password must be at least 10 characters."] } }),
    });
    const session = new Session({ fetch: server.fetch, storage: new MemoryStorage(), timers: new FakeTimers() });

    const error = await session.register("a@b.co", "short", "A").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).field("password")).toBe("Password must be at least 10 characters.");
  });

  it("signing out forgets the tokens and tells the server", async () => {
    const storage = new MemoryStorage();
    const server = fakeServer({ "/auth/logout": () => new Response(null, { status: 204 }) });
    const session = new Session({ fetch: server.fetch, storage, timers: new FakeTimers() });
    await session.login("andi@example.com", "password-123");

    await session.logout();

    expect(session.user).toBeNull();
    expect(session.state.endedReason).toBeNull();
    expect(storage.items.size).toBe(0);
    expect(server.calls.at(-1)).toEqual({ path: "/auth/logout", auth: "Bearer access-1" });
  });
});
