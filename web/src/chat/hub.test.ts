import { describe, expect, it } from "vitest";
import type { Timers } from "../auth/refreshScheduler";
import { reconnectDelayMs, retryForever } from "./hub";
import { TYPING_IDLE_MS, TypingThrottle } from "./typingThrottle";

describe("reconnect backoff", () => {
  it("retries at once, then backs off to 15 seconds", () => {
    const noJitter = () => 0;
    expect([0, 1, 2, 3, 4, 5, 50].map((n) => reconnectDelayMs(n, noJitter))).toEqual([0, 1000, 2000, 5000, 10_000, 15_000, 15_000]);
  });

  it("adds at most a quarter of jitter", () => {
    expect(reconnectDelayMs(5, () => 0.999)).toBeLessThanOrEqual(18_750);
  });

  it("never gives up while the page is open", () => {
    const delay = retryForever.nextRetryDelayInMilliseconds({ previousRetryCount: 1000, elapsedMilliseconds: 3_600_000, retryReason: new Error("x") });
    expect(delay).not.toBeNull();
  });
});

describe("typing throttle", () => {
  function setup() {
    let time = 0;
    let idle: { fn: () => void; at: number } | null = null;
    const sent: boolean[] = [];
    const timers: Timers = {
      now: () => time,
      setTimeout: (fn, ms) => (idle = { fn, at: time + ms }),
      clearTimeout: (h) => {
        if (h === idle) idle = null;
      },
    };
    const throttle = new TypingThrottle((t) => sent.push(t), timers);
    return {
      throttle,
      sent,
      advance: (ms: number) => {
        time += ms;
        if (idle && idle.at <= time) {
          const f = idle.fn;
          idle = null;
          f();
        }
      },
    };
  }

  it("sends typing once for a burst of keystrokes", () => {
    const { throttle, sent, advance } = setup();
    for (let i = 0; i < 10; i++) {
      throttle.input();
      advance(100);
    }
    expect(sent).toEqual([true]);
  });

  it("repeats typing every few seconds while the user keeps typing", () => {
    const { throttle, sent, advance } = setup();
    for (let i = 0; i < 35; i++) {
      throttle.input();
      advance(200);
    }
    expect(sent).toEqual([true, true, true]);
  });

  it("sends stop on send or blur, once", () => {
    const { throttle, sent } = setup();
    throttle.input();
    throttle.stop();
    throttle.stop();
    expect(sent).toEqual([true, false]);
  });

  it("sends stop after a pause", () => {
    const { throttle, sent, advance } = setup();
    throttle.input();
    advance(TYPING_IDLE_MS);
    expect(sent).toEqual([true, false]);
  });
});
