import { describe, expect, it, vi } from "vitest";
import type { Api } from "../api/client";
import { ApiError } from "../api/problem";
import type { Attachment, Message } from "../api/types";
import { UploadAbortedError, uploadAttachment, type UploadHandle, type UploadXhr } from "../api/upload";
import type { Session } from "../auth/session";
import type { ChatHub } from "./hub";
import { ChatService, type Uploader } from "./service";
import {
  addUploads,
  afterSend,
  canSend,
  describeUploadError,
  emptyQueue,
  formatSize,
  kindOf,
  MAX_ATTACHMENTS,
  percent,
  readyAttachments,
  removeUpload,
  uploadDone,
  uploadFailed,
  uploadProgress,
  uploadRetrying,
  type UploadQueue,
} from "./uploads";

const file = (key: string, size = 1000, type = "image/png") => ({ key, name: `${key}.png`, type, size });
const stored = (id: string, contentType = "image/png"): Attachment => ({
  id,
  fileName: `${id}.png`,
  contentType,
  size: 1000,
  width: 800,
  height: 600,
  sha256: "ab",
});

function queueOf(...keys: string[]): UploadQueue {
  return addUploads(emptyQueue, keys.map((k) => file(k))).queue;
}

describe("upload queue", () => {
  it("adds picked files as uploading at zero and refuses those beyond ten per message", () => {
    const nine = queueOf(...Array.from({ length: 9 }, (_, i) => `f${i}`));
    const { queue, accepted, refused } = addUploads(nine, [file("a"), file("b"), file("c")]);
    expect(queue).toHaveLength(MAX_ATTACHMENTS);
    expect(accepted.map((f) => f.key)).toEqual(["a"]);
    expect(refused).toBe(2);
    expect(queue.at(-1)).toMatchObject({ key: "a", status: "uploading", loaded: 0, total: 1000 });
  });

  it("moves progress forward only, and ignores progress after cancel or failure", () => {
    let q = queueOf("a");
    q = uploadProgress(q, "a", 400, 1000);
    expect(percent(q[0]!)).toBe(40);
    expect(uploadProgress(q, "a", 300, 1000)).toBe(q);
    const failed = uploadFailed(q, "a", "nope");
    expect(uploadProgress(failed, "a", 900, 1000)).toBe(failed);
    expect(uploadProgress(removeUpload(q, "a"), "a", 900, 1000)).toEqual([]);
  });

  it("a finished upload is at 100% and carries the stored attachment; a late failure does not undo it", () => {
    let q = uploadDone(queueOf("a"), "a", stored("id-a"));
    expect(q[0]).toMatchObject({ status: "done", attachment: { id: "id-a" } });
    expect(percent(q[0]!)).toBe(100);
    q = uploadFailed(q, "a", "late");
    expect(q[0]!.status).toBe("done");
  });

  it("retry puts a failed upload back to uploading from zero, without its error", () => {
    let q = uploadProgress(queueOf("a"), "a", 700, 1000);
    q = uploadFailed(q, "a", "Too large");
    expect(q[0]).toMatchObject({ status: "failed", error: "Too large", loaded: 700 });
    q = uploadRetrying(q, "a");
    expect(q[0]).toMatchObject({ status: "uploading", error: null, loaded: 0 });
    // Only failed uploads are retried.
    expect(uploadRetrying(q, "a")).toBe(q);
  });

  it("enables send for text or a finished upload, never while an upload of the draft runs", () => {
    expect(canSend(emptyQueue, "")).toBe(false);
    expect(canSend(emptyQueue, "  ")).toBe(false);
    expect(canSend(emptyQueue, "halo")).toBe(true);
    const running = queueOf("a", "b");
    expect(canSend(running, "halo")).toBe(false);
    const oneDone = uploadDone(running, "a", stored("id-a"));
    expect(canSend(oneDone, "")).toBe(false);
    const bothDone = uploadDone(oneDone, "b", stored("id-b"));
    expect(canSend(bothDone, "")).toBe(true);
    const failedOnly = uploadFailed(queueOf("c"), "c", "x");
    expect(canSend(failedOnly, "")).toBe(false);
    expect(canSend(failedOnly, "ok")).toBe(true);
  });

  it("sends finished uploads in the order picked, then keeps only the failed ones in the draft", () => {
    let q = queueOf("a", "b", "c");
    q = uploadDone(q, "b", stored("id-b"));
    q = uploadDone(q, "a", stored("id-a", "application/pdf"));
    q = uploadFailed(q, "c", "x");
    const ready = readyAttachments(q);
    expect(ready.map((a) => a.id)).toEqual(["id-a", "id-b"]);
    expect(ready[1]).toEqual({ id: "id-b", fileName: "id-b.png", contentType: "image/png", size: 1000, width: 800, height: 600 });
    expect(afterSend(q, ["id-a", "id-b"]).map((i) => i.key)).toEqual(["c"]);
  });

  it("names a message's kind from its attachments", () => {
    expect(kindOf([])).toBe("text");
    expect(kindOf(readyAttachments(uploadDone(queueOf("a"), "a", stored("x"))))).toBe("image");
    expect(kindOf([{ ...stored("x"), contentType: "image/jpeg" }, { ...stored("y"), contentType: "application/pdf" }])).toBe("file");
  });

  it("words the server's refusals by their code, falling back to the field error and the detail", () => {
    const refusal = (code: string | null, errors: Record<string, string[]> = {}, detail: string | null = "Server detail") =>
      new ApiError(413, "Refused", detail, errors, code);
    expect(describeUploadError(refusal("attachment.too_large"))).toMatch(/too large/);
    expect(describeUploadError(refusal("attachment.unsupported_type"))).toMatch(/PDF/);
    expect(describeUploadError(refusal("attachment.infected"))).toMatch(/malware/);
    expect(describeUploadError(refusal("attachment.quota_exceeded"))).toMatch(/storage/);
    expect(describeUploadError(refusal("validation.failed", { file: ["Send exactly one file per upload."] }, null))).toBe(
      "Send exactly one file per upload.",
    );
    expect(describeUploadError(refusal("conversation.read_only"))).toBe("Server detail");
    expect(describeUploadError(ApiError.network(new Error("x")))).toMatch(/connection/);
  });

  it("formats sizes as people read them", () => {
    expect(formatSize(512)).toBe("512 B");
    expect(formatSize(34 * 1024)).toBe("34 KB");
    expect(formatSize(1.25 * 1024 * 1024)).toBe("1.3 MB");
    expect(formatSize(12 * 1024 * 1024)).toBe("12 MB");
  });
});

class FakeXhr {
  static all: FakeXhr[] = [];
  headers: Record<string, string> = {};
  url = "";
  status = 0;
  statusText = "";
  responseText = "";
  sent: FormData | null = null;
  aborted = false;
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    FakeXhr.all.push(this);
  }
  open(_method: string, url: string) {
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: FormData) {
    this.sent = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  answer(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

function fakeSession(tokens: string[], refresh = vi.fn()) {
  let i = 0;
  refresh.mockImplementation(() => {
    i++;
    return Promise.resolve();
  });
  return { accessToken: () => Promise.resolve(tokens[i]!), refresh, end: vi.fn() } as unknown as Session;
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("uploadAttachment", () => {
  it("posts the file as part 'file' with the bearer token and reports progress", async () => {
    FakeXhr.all = [];
    const progress: [number, number][] = [];
    const picked = new File(["hello"], "luka.png", { type: "image/png" });
    const handle = uploadAttachment(fakeSession(["t1"]), "c 1", picked, (l, t) => progress.push([l, t]), () => new FakeXhr() as unknown as UploadXhr);
    await flush();
    const xhr = FakeXhr.all[0]!;
    expect(xhr.url).toBe("/api/v1/conversations/c%201/attachments");
    expect(xhr.headers.Authorization).toBe("Bearer t1");
    expect((xhr.sent!.get("file") as File).name).toBe("luka.png");
    xhr.upload.onprogress!({ loaded: 2, total: 5, lengthComputable: true });
    xhr.answer(201, stored("id-1"));
    await expect(handle.done).resolves.toMatchObject({ id: "id-1" });
    expect(progress).toEqual([[2, 5]]);
  });

  it("refreshes the token once on 401 and sends again", async () => {
    FakeXhr.all = [];
    const refresh = vi.fn();
    const session = fakeSession(["old", "new"], refresh);
    const handle = uploadAttachment(session, "c", new File(["x"], "a.pdf"), () => undefined, () => new FakeXhr() as unknown as UploadXhr);
    await flush();
    FakeXhr.all[0]!.answer(401, {});
    await flush();
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(FakeXhr.all[1]!.headers.Authorization).toBe("Bearer new");
    FakeXhr.all[1]!.answer(201, stored("id-2"));
    await expect(handle.done).resolves.toMatchObject({ id: "id-2" });
  });

  it("rejects with the problem's code on a refusal, and with UploadAbortedError when cancelled", async () => {
    FakeXhr.all = [];
    const refused = uploadAttachment(fakeSession(["t"]), "c", new File(["x"], "big.png"), () => undefined, () => new FakeXhr() as unknown as UploadXhr);
    await flush();
    FakeXhr.all[0]!.answer(413, { title: "File too large", status: 413, code: "attachment.too_large" });
    await expect(refused.done).rejects.toMatchObject({ status: 413, code: "attachment.too_large" });

    const cancelled = uploadAttachment(fakeSession(["t"]), "c", new File(["x"], "a.png"), () => undefined, () => new FakeXhr() as unknown as UploadXhr);
    await flush();
    cancelled.abort();
    await expect(cancelled.done).rejects.toBeInstanceOf(UploadAbortedError);
    expect(FakeXhr.all[1]!.aborted).toBe(true);
  });
});

describe("ChatService draft attachments", () => {
  function setUp() {
    const transfers: { file: File; onProgress: (l: number, t: number) => void; resolve: (a: Attachment) => void; reject: (e: unknown) => void; aborted: boolean }[] = [];
    const uploader: Uploader = (_conversationId, f, onProgress) => {
      let resolve!: (a: Attachment) => void;
      let reject!: (e: unknown) => void;
      const done = new Promise<Attachment>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const t = { file: f, onProgress, resolve, reject, aborted: false };
      transfers.push(t);
      const handle: UploadHandle = {
        done,
        abort: () => {
          t.aborted = true;
          reject(new UploadAbortedError());
        },
      };
      return handle;
    };
    const hub = {
      on: () => () => undefined,
      onConnected: () => () => undefined,
      onStatus: () => () => undefined,
      isConnected: false,
    } as unknown as ChatHub;
    const sendMessage = vi.fn<(id: string, cmid: string, text: string | null, ids?: string[]) => Promise<Message>>(() =>
      Promise.reject(new ApiError(503, "Unavailable", "Try later")),
    );
    const api = {
      session: {},
      unread: () => Promise.resolve({ totalUnread: 0, conversations: [] }),
      conversation: (id: string) => Promise.resolve({ id, lastSeq: 0, members: [], status: "open", kind: "care", lastMessage: null }),
      messages: () => Promise.resolve({ messages: [], hasMore: false }),
      sendMessage,
    } as unknown as Api;
    const chat = new ChatService(api, hub, "me", uploader);
    chat.openConversation("c");
    return { chat, transfers, sendMessage };
  }

  it("uploads each file at once, cancels by aborting, retries a failure with the same file, and sends finished ones", async () => {
    const { chat, transfers, sendMessage } = setUp();
    await flush();
    const photo = new File(["p"], "luka.png", { type: "image/png" });
    const pdf = new File(["d"], "hasil.pdf", { type: "application/pdf" });
    const extra = new File(["e"], "extra.png", { type: "image/png" });
    expect(chat.attach("c", [photo, pdf, extra])).toBe(0);
    expect(transfers).toHaveLength(3);
    const [photoKey, pdfKey, extraKey] = chat.uploads("c").map((i) => i.key);

    transfers[0]!.onProgress(50, 100);
    expect(percent(chat.uploads("c")[0]!)).toBe(50);
    expect(chat.canSend("c", "halo")).toBe(false);

    chat.removeUpload("c", extraKey!);
    expect(transfers[2]!.aborted).toBe(true);
    transfers[0]!.resolve(stored("id-photo"));
    transfers[1]!.reject(new ApiError(415, "Unsupported", "no", {}, "attachment.unsupported_type"));
    await flush();
    expect(chat.uploads("c").map((i) => i.status)).toEqual(["done", "failed"]);
    expect(chat.uploads("c")[1]!.error).toMatch(/PDF documents/);
    expect(chat.canSend("c", "")).toBe(true);

    chat.retryUpload("c", pdfKey!);
    expect(transfers[3]!.file).toBe(pdf);
    expect(chat.canSend("c", "")).toBe(false);
    transfers[3]!.resolve(stored("id-pdf", "application/pdf"));
    await flush();

    expect(chat.send("c", "  ")).toBe(true);
    expect(chat.uploads("c")).toEqual([]);
    const pending = chat.get("c")!.state.messages.at(-1)!;
    expect(pending).toMatchObject({ local: "pending", kind: "file", text: null });
    expect(pending.attachments.map((a) => a.id)).toEqual(["id-photo", "id-pdf"]);
    expect(photoKey).toBeDefined();

    await flush();
    expect(chat.get("c")!.state.messages.at(-1)!.local).toBe("failed");
    const first = sendMessage.mock.calls[0]!;
    expect(first.slice(2)).toEqual([null, ["id-photo", "id-pdf"]]);

    chat.retry("c", pending.clientMessageId!);
    await flush();
    expect(sendMessage.mock.calls[1]).toEqual(first);
  });
});
