// @vitest-environment happy-dom
import { act, createElement } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useLoad } from "./hooks";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** A request whose answer the test hands out when it chooses. */
class Pending {
  readonly asked: { key: string; answer: (value: string) => void; fail: (error: Error) => void }[] = [];
  load = (key: string) =>
    new Promise<string>((answer, fail) => {
      this.asked.push({ key, answer, fail });
    });
}

type Shown = ReturnType<typeof useLoad<string>>;

describe("useLoad", () => {
  let root: Root;
  let shown: Shown;
  let pending: Pending;

  function Probe({ id }: { id: string }) {
    shown = useLoad(() => pending.load(id), [id]);
    return null;
  }

  /** Runs a step inside act and resolves once React has applied what it caused. */
  const step = (fn: () => unknown) => act(() => Promise.resolve(fn()).then(() => undefined));
  const render = (id: string) => step(() => root.render(createElement(Probe, { id })));
  const answer = (index: number, value: string) => step(() => pending.asked[index]!.answer(value));

  beforeEach(() => {
    pending = new Pending();
    root = createRoot(document.createElement("div"));
  });

  afterEach(() => step(() => root.unmount()));

  it("shows the answer and stops loading", async () => {
    await render("a");
    expect(shown.loading).toBe(true);

    await answer(0, "answer a");

    expect(shown.data).toBe("answer a");
    expect(shown.loading).toBe(false);
  });

  it("never lets an older answer replace a newer one", async () => {
    await render("a");
    await render("b");
    expect(pending.asked.map((r) => r.key)).toEqual(["a", "b"]);

    await answer(1, "answer b");
    await answer(0, "answer a");

    expect(shown.data).toBe("answer b");
    expect(shown.loading).toBe(false);
  });

  it("keeps loading while only an older answer has come back", async () => {
    await render("a");
    await render("b");

    await answer(0, "answer a");

    expect(shown.data).toBeNull();
    expect(shown.loading).toBe(true);
  });

  it("keeps the previous data while new deps load", async () => {
    await render("a");
    await answer(0, "answer a");

    await render("b");

    expect(shown.data).toBe("answer a");
    expect(shown.loading).toBe(true);
  });

  it("drops a reload overtaken by a later one", async () => {
    await render("a");
    await answer(0, "first");
    let first!: Promise<void>;
    let second!: Promise<void>;
    await step(() => {
      first = shown.reload();
      second = shown.reload();
    });

    await answer(2, "third");
    await answer(1, "second");
    await step(() => Promise.all([first, second]));

    expect(shown.data).toBe("third");
    expect(shown.loading).toBe(false);
  });

  it("keeps an error instead of throwing, and clears it with the next answer", async () => {
    await render("a");
    await step(() => pending.asked[0]!.fail(new Error("offline")));
    expect((shown.error as Error).message).toBe("offline");
    expect(shown.loading).toBe(false);

    await step(() => void shown.reload());
    await answer(1, "back");

    expect(shown.error).toBeNull();
    expect(shown.data).toBe("back");
  });
});
