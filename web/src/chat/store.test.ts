import { describe, expect, it } from "vitest";
import type { Message } from "../api/types";
import {
  addPending,
  applyDeleted,
  applyDeliveryReceipt,
  applyMembers,
  deliveryTarget,
  markDeliveredLocally,
  unreadFromSummary,
  applyReadReceipt,
  applyTyping,
  applyUnreadChanged,
  clearUnread,
  countUnread,
  createConversationState,
  emptyUnread,
  markFailed,
  markReadLocally,
  markRetrying,
  mergeMessages,
  oldestSeq,
  prependHistory,
  readTarget,
  seedUnread,
  statusOf,
  typingUsers,
  TYPING_TTL_MS,
} from "./store";

const me = "user-me";
const doctor = "user-doctor";
const conv = "conv-1";
const now = new Date("2026-11-16T03:00:00Z");

function msg(seq: number, senderId: string | null = doctor, extra: Partial<Message> = {}): Message {
  return {
    id: `m-${seq}`,
    conversationId: conv,
    seq,
    senderId,
    kind: "text",
    text: `message ${seq}`,
    attachments: [],
    clientMessageId: senderId === me ? `c-${seq}` : null,
    createdAt: new Date(now.getTime() + seq * 1000).toISOString(),
    deletedAt: null,
    ...extra,
  };
}

const fresh = () => createConversationState(conv, me);

describe("optimistic send", () => {
  it("shows a new own message as pending before the server answers", () => {
    const state = addPending(fresh(), "c-1", "Selamat pagi", now);
    expect(state.messages).toHaveLength(1);
    expect(statusOf(state, state.messages[0]!)).toBe("pending");
  });

  it("turns pending into sent when the stored message comes back, keeping the same key", () => {
    let state = addPending(fresh(), "c-1", "Selamat pagi", now);
    state = mergeMessages(state, [msg(1, me, { clientMessageId: "c-1", text: "Selamat pagi" })]);
    expect(state.messages).toHaveLength(1);
    expect(state.messages[0]!.key).toBe("c-1");
    expect(state.messages[0]!.seq).toBe(1);
    expect(statusOf(state, state.messages[0]!)).toBe("sent");
  });

  it("moves sent to delivered to read as receipts arrive", () => {
    let state = mergeMessages(fresh(), [msg(1, me)]);
    const mine = () => state.messages[0]!;
    expect(statusOf(state, mine())).toBe("sent");
    state = applyDeliveryReceipt(state, doctor, 1);
    expect(statusOf(state, mine())).toBe("delivered");
    state = applyReadReceipt(state, doctor, 1);
    expect(statusOf(state, mine())).toBe("read");
  });

  it("never moves a watermark backwards when receipts arrive out of order", () => {
    let state = mergeMessages(fresh(), [msg(1, me), msg(2, me)]);
    state = applyReadReceipt(state, doctor, 2);
    state = applyReadReceipt(state, doctor, 1);
    state = applyDeliveryReceipt(state, doctor, 1);
    expect(state.readBy[doctor]).toBe(2);
    expect(statusOf(state, state.messages[1]!)).toBe("read");
  });

  it("a read receipt implies delivery", () => {
    let state = mergeMessages(fresh(), [msg(1, me)]);
    state = applyReadReceipt(state, doctor, 1);
    expect(state.deliveredTo[doctor]).toBe(1);
  });

  it("my own receipts do not tick my messages", () => {
    let state = mergeMessages(fresh(), [msg(1, me)]);
    state = applyDeliveryReceipt(state, me, 1);
    state = applyReadReceipt(state, me, 1);
    expect(statusOf(state, state.messages[0]!)).toBe("sent");
  });

  it("marks a send failed and back to pending on retry, with the same clientMessageId", () => {
    let state = addPending(fresh(), "c-1", "Halo", now);
    state = markFailed(state, "c-1", "Network error");
    expect(statusOf(state, state.messages[0]!)).toBe("failed");
    expect(state.messages[0]!.error).toBe("Network error");
    state = markRetrying(state, "c-1");
    expect(statusOf(state, state.messages[0]!)).toBe("pending");
    expect(state.messages[0]!.clientMessageId).toBe("c-1");
    expect(state.messages[0]!.error).toBeUndefined();
  });

  it("a late failure does not undo a message already stored", () => {
    let state = addPending(fresh(), "c-1", "Halo", now);
    state = mergeMessages(state, [msg(1, me, { clientMessageId: "c-1" })]);
    state = markFailed(state, "c-1", "timeout");
    expect(statusOf(state, state.messages[0]!)).toBe("sent");
  });

  it("adding the same pending twice keeps one bubble", () => {
    let state = addPending(fresh(), "c-1", "Halo", now);
    state = addPending(state, "c-1", "Halo", now);
    expect(state.messages).toHaveLength(1);
  });

  it("others' messages carry no tick", () => {
    const state = mergeMessages(fresh(), [msg(1, doctor)]);
    expect(statusOf(state, state.messages[0]!)).toBeNull();
  });
});

describe("merging server messages", () => {
  it("orders by seq whatever order they arrive in", () => {
    const state = mergeMessages(fresh(), [msg(3), msg(1), msg(2)]);
    expect(state.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(state.lastSeq).toBe(3);
  });

  it("de-duplicates the ack and the messageCreated echo of the same send", () => {
    let state = addPending(fresh(), "c-9", "Halo", now);
    const stored = msg(1, me, { clientMessageId: "c-9" });
    state = mergeMessages(state, [stored]);
    state = mergeMessages(state, [stored]);
    expect(state.messages).toHaveLength(1);
  });

  it("de-duplicates a Sync that overlaps live events", () => {
    let state = mergeMessages(fresh(), [msg(1), msg(2)]);
    state = mergeMessages(state, [msg(2), msg(3)]);
    expect(state.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it("keeps pending messages after the stored ones", () => {
    let state = addPending(fresh(), "c-x", "pending one", now);
    state = mergeMessages(state, [msg(1), msg(2)]);
    expect(state.messages.map((m) => m.seq)).toEqual([1, 2, null]);
  });

  it("returns the same state when nothing changed, so views do not re-render", () => {
    const state = mergeMessages(fresh(), [msg(1)]);
    expect(mergeMessages(state, [msg(1)])).toBe(state);
  });

  it("ignores messages of other conversations", () => {
    const state = mergeMessages(fresh(), [msg(1, doctor, { conversationId: "other" })]);
    expect(state.messages).toHaveLength(0);
  });

  it("tracks the contiguous seq to sync from, stopping at a gap", () => {
    let state = mergeMessages(fresh(), [msg(1), msg(2), msg(4)]);
    expect(state.contiguousSeq).toBe(2);
    expect(state.lastSeq).toBe(4);
    state = mergeMessages(state, [msg(3)]);
    expect(state.contiguousSeq).toBe(4);
  });

  it("older history goes in front and records whether more remain", () => {
    let state = mergeMessages(fresh(), [msg(51), msg(52)]);
    state = prependHistory(state, { messages: [msg(49), msg(50)], hasMore: true });
    expect(state.messages.map((m) => m.seq)).toEqual([49, 50, 51, 52]);
    expect(state.hasOlder).toBe(true);
    expect(oldestSeq(state)).toBe(49);
  });

  it("shows a deleted message as a tombstone without its text", () => {
    let state = mergeMessages(fresh(), [msg(1)]);
    state = applyDeleted(state, "m-1", now.toISOString());
    expect(state.messages[0]!.text).toBeNull();
    expect(state.messages[0]!.deletedAt).not.toBeNull();
  });

  it("a message that arrives already deleted has no text", () => {
    const state = mergeMessages(fresh(), [msg(1, doctor, { text: "secret", deletedAt: now.toISOString() })]);
    expect(state.messages[0]!.text).toBeNull();
  });
});

describe("unread counting", () => {
  it("counts others' messages above my watermark", () => {
    let state = mergeMessages(fresh(), [msg(1), msg(2, me), msg(3), msg(4)]);
    expect(countUnread(state)).toBe(2);
    state = markReadLocally(state, 3);
    expect(countUnread(state)).toBe(1);
  });

  it("my own message moves my watermark, since I have seen everything before I wrote", () => {
    const state = mergeMessages(fresh(), [msg(1), msg(2, me)]);
    expect(state.myLastReadSeq).toBe(2);
    expect(countUnread(state)).toBe(0);
  });

  it("marking read only moves forward", () => {
    let state = markReadLocally(fresh(), 5);
    state = markReadLocally(state, 3);
    expect(state.myLastReadSeq).toBe(5);
  });

  it("asks to mark read only when something new is above the watermark", () => {
    let state = mergeMessages(fresh(), [msg(1), msg(2)]);
    expect(readTarget(state)).toBe(2);
    state = markReadLocally(state, 2);
    expect(readTarget(state)).toBeNull();
  });

  it("takes the server's counts from unreadChanged", () => {
    let book = applyUnreadChanged(emptyUnread, "a", 3, 3);
    book = applyUnreadChanged(book, "b", 2, 5);
    expect(book.byConversation).toEqual({ a: 3, b: 2 });
    expect(book.total).toBe(5);
  });

  it("clears a badge when the conversation is opened", () => {
    let book = seedUnread(emptyUnread, { a: 3, b: 2 });
    expect(book.total).toBe(5);
    book = clearUnread(book, "a");
    expect(book.byConversation.a).toBe(0);
    expect(book.total).toBe(2);
  });
});

describe("typing indicator", () => {
  it("shows a typing member until the indicator lapses", () => {
    const t = now.getTime();
    const state = applyTyping(fresh(), doctor, true, t);
    expect(typingUsers(state, t + 1000)).toEqual([doctor]);
    expect(typingUsers(state, t + TYPING_TTL_MS + 1)).toEqual([]);
  });

  it("hides it at once when the member stops typing", () => {
    const t = now.getTime();
    let state = applyTyping(fresh(), doctor, true, t);
    state = applyTyping(state, doctor, false, t + 10);
    expect(typingUsers(state, t + 20)).toEqual([]);
  });

  it("ignores my own typing echo", () => {
    const state = applyTyping(fresh(), me, true, now.getTime());
    expect(typingUsers(state, now.getTime())).toEqual([]);
  });
});

describe("receipts after a reload", () => {
  it("draws read and delivered ticks from the members' watermarks", () => {
    let s = mergeMessages(fresh(), [msg(1, me), msg(2, me), msg(3, me)]);
    s = applyMembers(s, [
      { userId: me, lastReadSeq: 3, lastDeliveredSeq: 3 },
      { userId: doctor, lastReadSeq: 1, lastDeliveredSeq: 2 },
    ]);
    expect(s.messages.map((m) => statusOf(s, m))).toEqual(["read", "delivered", "sent"]);
  });

  it("never moves a watermark back when an older member list arrives after a live receipt", () => {
    let s = mergeMessages(fresh(), [msg(1, me), msg(2, me)]);
    s = applyReadReceipt(s, doctor, 2);
    s = applyMembers(s, [{ userId: doctor, lastReadSeq: 1, lastDeliveredSeq: 1 }]);
    expect(statusOf(s, s.messages[1]!)).toBe("read");
  });

  it("takes my own watermark as my read state", () => {
    let s = mergeMessages(fresh(), [msg(1), msg(2), msg(3)]);
    s = applyMembers(s, [{ userId: me, lastReadSeq: 2 }]);
    expect(countUnread(s)).toBe(1);
  });

  it("accepts members without watermarks (older servers)", () => {
    const s = applyMembers(fresh(), [{ userId: doctor }]);
    expect(s).toEqual(fresh());
  });
});

describe("delivery acknowledgement", () => {
  it("acknowledges the newest message from others once", () => {
    let s = mergeMessages(fresh(), [msg(1), msg(2, me), msg(3)]);
    expect(deliveryTarget(s)).toBe(3);
    s = markDeliveredLocally(s, 3);
    expect(deliveryTarget(s)).toBeNull();
    s = mergeMessages(s, [msg(4)]);
    expect(deliveryTarget(s)).toBe(4);
  });

  it("has nothing to acknowledge for my own messages", () => {
    expect(deliveryTarget(mergeMessages(fresh(), [msg(1, me)]))).toBeNull();
  });
});

describe("exact unread counts", () => {
  it("replaces the book with GET /unread's answer", () => {
    const book = unreadFromSummary(3, [
      { conversationId: "a", unreadCount: 2 },
      { conversationId: "b", unreadCount: 1 },
    ]);
    expect(book).toEqual({ byConversation: { a: 2, b: 1 }, total: 3 });
  });
});
