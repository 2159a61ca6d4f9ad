import type { Message, MessageAttachment } from "../api/types";
import { kindOf } from "./uploads";

// Pure, immutable state of one open conversation. The chat service feeds it REST pages, hub events and local
// sends; React renders it. Nothing here talks to the network, so every transition is unit-tested.

export type DeliveryStatus = "pending" | "sent" | "delivered" | "read" | "failed";

export interface ChatMessage {
  /** Stable React key: the clientMessageId for own sends (so the bubble does not jump when confirmed), else the id. */
  key: string;
  id: string | null;
  seq: number | null;
  senderId: string | null;
  kind: Message["kind"];
  text: string | null;
  /** Photos and documents sent with the message (none once it is deleted). */
  attachments: MessageAttachment[];
  clientMessageId: string | null;
  createdAt: string;
  deletedAt: string | null;
  /** Only for own messages not yet stored: waiting for the ack, or the send failed and may be retried. */
  local: "pending" | "failed" | null;
  error?: string;
}

export interface ConversationState {
  conversationId: string;
  selfId: string;
  /** Stored messages ordered by seq, then local (unsent) ones in the order they were written. */
  messages: ChatMessage[];
  /** Highest seq such that every stored message from the oldest loaded one up to it is present: Sync from here. */
  contiguousSeq: number;
  /** Highest seq seen at all (a gap means contiguousSeq < lastSeq). */
  lastSeq: number;
  hasOlder: boolean;
  /** My read watermark. */
  myLastReadSeq: number;
  /** Highest seq this device has acknowledged as delivered. */
  myLastDeliveredSeq: number;
  /** Other members' read and delivery watermarks, by user id. */
  readBy: Record<string, number>;
  deliveredTo: Record<string, number>;
  /** Typing members and when their indicator lapses (ms since epoch). */
  typingUntil: Record<string, number>;
}

/** Typing expires by itself if the sender stops refreshing it (the server does the same). */
export const TYPING_TTL_MS = 6000;

export function createConversationState(conversationId: string, selfId: string): ConversationState {
  return {
    conversationId,
    selfId,
    messages: [],
    contiguousSeq: 0,
    lastSeq: 0,
    hasOlder: false,
    myLastReadSeq: 0,
    myLastDeliveredSeq: 0,
    readBy: {},
    deliveredTo: {},
    typingUntil: {},
  };
}

function fromServer(m: Message, key?: string): ChatMessage {
  return {
    key: key ?? m.id,
    id: m.id,
    seq: m.seq,
    senderId: m.senderId,
    kind: m.kind,
    text: m.deletedAt ? null : m.text,
    attachments: m.deletedAt ? [] : (m.attachments ?? []),
    clientMessageId: m.clientMessageId,
    createdAt: m.createdAt,
    deletedAt: m.deletedAt,
    local: null,
  };
}

function sortMessages(messages: ChatMessage[]): ChatMessage[] {
  const stored = messages.filter((m) => m.seq !== null).sort((a, b) => a.seq! - b.seq!);
  const local = messages.filter((m) => m.seq === null);
  return [...stored, ...local];
}

function computeContiguous(messages: ChatMessage[], previous: number): number {
  // From the previous watermark (or just below the oldest loaded message), climb while seqs are consecutive.
  const seqs = messages.filter((m) => m.seq !== null).map((m) => m.seq!);
  if (seqs.length === 0) return previous;
  const present = new Set(seqs);
  let n = Math.max(previous, Math.min(...seqs) - 1);
  while (present.has(n + 1)) n++;
  return n;
}

/** Records that everything up to seq is known (e.g. an empty history page or Sync answered up to there). */
export function markSyncedUpTo(state: ConversationState, seq: number): ConversationState {
  if (seq <= state.contiguousSeq) return state;
  return { ...state, contiguousSeq: computeContiguous(state.messages, seq), lastSeq: Math.max(state.lastSeq, seq) };
}

/** Adds an optimistic own message that is on its way, with the already uploaded attachments it links. */
export function addPending(
  state: ConversationState,
  clientMessageId: string,
  text: string | null,
  now: Date,
  attachments: MessageAttachment[] = [],
): ConversationState {
  if (state.messages.some((m) => m.clientMessageId === clientMessageId)) return state;
  const pending: ChatMessage = {
    key: clientMessageId,
    id: null,
    seq: null,
    senderId: state.selfId,
    kind: kindOf(attachments),
    text,
    attachments,
    clientMessageId,
    createdAt: now.toISOString(),
    deletedAt: null,
    local: "pending",
  };
  return { ...state, messages: [...state.messages, pending] };
}

export function markFailed(state: ConversationState, clientMessageId: string, error: string): ConversationState {
  return {
    ...state,
    messages: state.messages.map((m) =>
      m.clientMessageId === clientMessageId && m.seq === null ? { ...m, local: "failed" as const, error } : m,
    ),
  };
}

/** A retry goes back to pending; the caller resends with the same clientMessageId so the server de-duplicates. */
export function markRetrying(state: ConversationState, clientMessageId: string): ConversationState {
  return {
    ...state,
    messages: state.messages.map((m) => {
      if (m.clientMessageId !== clientMessageId || m.seq !== null) return m;
      const { error: _error, ...rest } = m;
      return { ...rest, local: "pending" as const };
    }),
  };
}

/**
 * Merges stored messages from any source (send ack, messageCreated, Sync, history page) in any order.
 * A message already present by id is updated in place; an own message matching a local one by clientMessageId
 * replaces it (keeping its key); everything ends ordered by seq with no duplicates.
 */
export function mergeMessages(state: ConversationState, incoming: Message[]): ConversationState {
  if (incoming.length === 0) return state;
  let messages = state.messages;
  let changed = false;
  for (const m of incoming) {
    if (m.conversationId !== state.conversationId) continue;
    const byId = messages.findIndex((x) => x.id === m.id || (x.seq !== null && x.seq === m.seq));
    if (byId >= 0) {
      const existing = messages[byId]!;
      const updated = fromServer(m, existing.key);
      if (existing.deletedAt !== updated.deletedAt || existing.text !== updated.text || existing.attachments.length !== updated.attachments.length) {
        messages = messages.with(byId, updated);
        changed = true;
      }
      continue;
    }
    const local =
      m.clientMessageId !== null && m.senderId === state.selfId
        ? messages.findIndex((x) => x.seq === null && x.clientMessageId === m.clientMessageId)
        : -1;
    if (local >= 0) {
      messages = messages.with(local, fromServer(m, messages[local]!.key));
    } else {
      messages = [...messages, fromServer(m, m.id)];
    }
    changed = true;
  }
  if (!changed) return state;
  const sorted = sortMessages(messages);
  const lastSeq = Math.max(state.lastSeq, ...sorted.filter((m) => m.seq !== null).map((m) => m.seq!));
  // My own stored messages count as read by me.
  const ownMax = Math.max(0, ...sorted.filter((m) => m.senderId === state.selfId && m.seq !== null).map((m) => m.seq!));
  return {
    ...state,
    messages: sorted,
    lastSeq,
    contiguousSeq: computeContiguous(sorted, state.contiguousSeq),
    myLastReadSeq: Math.max(state.myLastReadSeq, ownMax),
  };
}

/** Puts a page of older history in front. */
export function prependHistory(state: ConversationState, page: { messages: Message[]; hasMore: boolean }): ConversationState {
  const merged = mergeMessages(state, page.messages);
  return { ...merged, hasOlder: page.hasMore };
}

export function applyDeleted(state: ConversationState, messageId: string, deletedAt: string): ConversationState {
  const index = state.messages.findIndex((m) => m.id === messageId);
  if (index < 0) return state;
  const m = state.messages[index]!;
  return { ...state, messages: state.messages.with(index, { ...m, text: null, attachments: [], deletedAt: m.deletedAt ?? deletedAt }) };
}

/** Watermarks only move forward, whatever order receipts arrive in. */
export function applyReadReceipt(state: ConversationState, userId: string, lastReadSeq: number): ConversationState {
  if (userId === state.selfId) {
    return lastReadSeq > state.myLastReadSeq ? { ...state, myLastReadSeq: lastReadSeq } : state;
  }
  if ((state.readBy[userId] ?? 0) >= lastReadSeq) return state;
  const deliveredTo =
    (state.deliveredTo[userId] ?? 0) < lastReadSeq ? { ...state.deliveredTo, [userId]: lastReadSeq } : state.deliveredTo;
  return { ...state, readBy: { ...state.readBy, [userId]: lastReadSeq }, deliveredTo };
}

export function applyDeliveryReceipt(state: ConversationState, userId: string, lastDeliveredSeq: number): ConversationState {
  if (userId === state.selfId || (state.deliveredTo[userId] ?? 0) >= lastDeliveredSeq) return state;
  return { ...state, deliveredTo: { ...state.deliveredTo, [userId]: lastDeliveredSeq } };
}

/**
 * Seeds receipt watermarks from the conversation's members (GET /conversations/{id} or Subscribe), so ticks
 * are right after a reload, not only for receipts that arrive while the page is open. Only moves forward.
 */
export function applyMembers(
  state: ConversationState,
  members: { userId: string; lastReadSeq?: number; lastDeliveredSeq?: number }[],
): ConversationState {
  let next = state;
  for (const m of members) {
    const read = m.lastReadSeq ?? 0;
    const delivered = Math.max(m.lastDeliveredSeq ?? 0, read);
    if (m.userId === state.selfId) {
      if (read > next.myLastReadSeq) next = { ...next, myLastReadSeq: read };
      if (delivered > next.myLastDeliveredSeq) next = { ...next, myLastDeliveredSeq: delivered };
      continue;
    }
    if (read > 0) next = applyReadReceipt(next, m.userId, read);
    if (delivered > 0) next = applyDeliveryReceipt(next, m.userId, delivered);
  }
  return next;
}

/** The seq to acknowledge as delivered: the newest message from someone else not yet acknowledged. */
export function deliveryTarget(state: ConversationState): number | null {
  let max = 0;
  for (const m of state.messages) {
    if (m.seq !== null && m.senderId !== state.selfId && m.seq > max) max = m.seq;
  }
  return max > state.myLastDeliveredSeq ? max : null;
}

export function markDeliveredLocally(state: ConversationState, upToSeq: number): ConversationState {
  return upToSeq > state.myLastDeliveredSeq ? { ...state, myLastDeliveredSeq: upToSeq } : state;
}

export function markReadLocally(state: ConversationState, upToSeq: number): ConversationState {
  return upToSeq > state.myLastReadSeq ? { ...state, myLastReadSeq: upToSeq } : state;
}

/** The tick of a message: own messages only; others' messages have no tick. */
export function statusOf(state: ConversationState, m: ChatMessage): DeliveryStatus | null {
  if (m.senderId !== state.selfId) return null;
  if (m.local === "failed") return "failed";
  if (m.local === "pending" || m.seq === null) return "pending";
  const seq = m.seq;
  if (Object.entries(state.readBy).some(([user, s]) => user !== state.selfId && s >= seq)) return "read";
  if (Object.entries(state.deliveredTo).some(([user, s]) => user !== state.selfId && s >= seq)) return "delivered";
  return "sent";
}

/** Messages from others above my read watermark among those loaded (the server's count is authoritative). */
export function countUnread(state: ConversationState): number {
  return state.messages.filter(
    (m) => m.seq !== null && m.seq > state.myLastReadSeq && m.senderId !== state.selfId && m.kind !== "system" && !m.deletedAt,
  ).length;
}

/** The seq to mark read up to: the newest stored message, if it is above my watermark. */
export function readTarget(state: ConversationState): number | null {
  return state.lastSeq > state.myLastReadSeq ? state.lastSeq : null;
}

export function applyTyping(state: ConversationState, userId: string, isTyping: boolean, nowMs: number): ConversationState {
  if (userId === state.selfId) return state;
  const typingUntil = { ...state.typingUntil };
  if (isTyping) typingUntil[userId] = nowMs + TYPING_TTL_MS;
  else delete typingUntil[userId];
  return { ...state, typingUntil };
}

export function typingUsers(state: ConversationState, nowMs: number): string[] {
  return Object.entries(state.typingUntil)
    .filter(([, until]) => until > nowMs)
    .map(([user]) => user);
}

export function oldestSeq(state: ConversationState): number | null {
  const first = state.messages.find((m) => m.seq !== null);
  return first?.seq ?? null;
}

/** Unread counts across conversations, driven by the server's unreadChanged events and list fetches. */
export interface UnreadBook {
  byConversation: Record<string, number>;
  total: number;
}

export const emptyUnread: UnreadBook = { byConversation: {}, total: 0 };

export function applyUnreadChanged(book: UnreadBook, conversationId: string, unreadCount: number, totalUnread: number): UnreadBook {
  return { byConversation: { ...book.byConversation, [conversationId]: unreadCount }, total: totalUnread };
}

/** Seeds counts from GET /conversations; the total is recomputed from what is known. */
export function seedUnread(book: UnreadBook, counts: Record<string, number>): UnreadBook {
  const byConversation = { ...book.byConversation, ...counts };
  return { byConversation, total: Object.values(byConversation).reduce((a, b) => a + b, 0) };
}

/** Opening a conversation and reading it clears its badge right away; the server confirms with unreadChanged. */
export function clearUnread(book: UnreadBook, conversationId: string): UnreadBook {
  const current = book.byConversation[conversationId] ?? 0;
  if (current === 0) return book;
  return { byConversation: { ...book.byConversation, [conversationId]: 0 }, total: Math.max(0, book.total - current) };
}

/** The book as GET /unread states it: exact, replacing whatever was known. */
export function unreadFromSummary(totalUnread: number, conversations: { conversationId: string; unreadCount: number }[]): UnreadBook {
  return { byConversation: Object.fromEntries(conversations.map((c) => [c.conversationId, c.unreadCount])), total: totalUnread };
}
