import type { Api } from "../api/client";
import { ApiError } from "../api/problem";
import type { Conversation, HubEventName, HubEvents, Message, MessageAttachment, MessagePage } from "../api/types";
import { UploadAbortedError, uploadAttachment, type UploadHandle } from "../api/upload";
import type { ChatHub, ConnectionStatus } from "./hub";
import {
  addPending,
  applyDeleted,
  applyMembers,
  deliveryTarget,
  markDeliveredLocally,
  applyDeliveryReceipt,
  applyReadReceipt,
  applyTyping,
  applyUnreadChanged,
  clearUnread,
  type ConversationState,
  createConversationState,
  emptyUnread,
  markFailed,
  markReadLocally,
  markRetrying,
  markSyncedUpTo,
  mergeMessages,
  oldestSeq,
  prependHistory,
  readTarget,
  seedUnread,
  type UnreadBook,
  unreadFromSummary,
} from "./store";
import {
  addUploads,
  afterSend,
  canSend,
  describeUploadError,
  emptyQueue,
  readyAttachments,
  removeUpload,
  uploadDone,
  uploadFailed,
  uploadProgress,
  uploadRetrying,
  type UploadQueue,
} from "./uploads";

/** Starts one upload; the service passes the real XMLHttpRequest one, tests a fake. */
export type Uploader = (conversationId: string, file: File, onProgress: (loaded: number, total: number) => void) => UploadHandle;

export const PAGE_SIZE = 50;
export const SYNC_LIMIT = 100;
export const MAX_TEXT_LENGTH = 5000;

export interface OpenConversation {
  conversation: Conversation | null;
  state: ConversationState;
  loading: boolean;
  loadingOlder: boolean;
  error: string | null;
}

/**
 * The signed-in user's chat: one state per open conversation, fed by REST history, hub events and local sends.
 * Views read it through useSyncExternalStore and call the verbs; nothing else talks to the chat endpoints.
 */
export class ChatService {
  private readonly open = new Map<string, OpenConversation>();
  private readonly refs = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  private readonly disposers: (() => void)[] = [];
  private unreadBook: UnreadBook = emptyUnread;
  private presenceMap: Record<string, boolean> = {};
  private version = 0;
  // Conversation snapshots race (history load, Subscribe, a refresh after an event): only one asked for later than
  // the snapshot shown may replace it, so an answer that left the server before a status change cannot undo it.
  private snapshotTicket = 0;
  private readonly shownTicket = new Map<string, number>();
  // Draft attachments by conversation: they upload at once and wait for the send. The files are kept for a retry.
  private readonly drafts = new Map<string, UploadQueue>();
  private readonly transfers = new Map<string, { file: File; handle: UploadHandle | null }>();
  private uploadSerial = 0;
  private readonly uploader: Uploader;

  constructor(
    private readonly api: Api,
    readonly hub: ChatHub,
    readonly selfId: string,
    uploader?: Uploader,
  ) {
    this.uploader = uploader ?? ((conversationId, file, onProgress) => uploadAttachment(api.session, conversationId, file, onProgress));
    const on = <E extends HubEventName>(name: E, h: (p: HubEvents[E]) => void) => this.disposers.push(hub.on(name, h));
    on("messageCreated", (m) => this.receive(m));
    on("messageDeleted", (e) => this.update(e.conversationId, (s) => applyDeleted(s, e.messageId, new Date().toISOString())));
    on("readReceipt", (e) => this.update(e.conversationId, (s) => applyReadReceipt(s, e.userId, e.lastReadSeq)));
    on("deliveryReceipt", (e) => this.update(e.conversationId, (s) => applyDeliveryReceipt(s, e.userId, e.lastDeliveredSeq)));
    on("typing", (e) => this.update(e.conversationId, (s) => applyTyping(s, e.userId, e.isTyping, Date.now())));
    on("presence", (e) => {
      this.presenceMap = { ...this.presenceMap, [e.userId]: e.online };
      this.emit();
    });
    on("unreadChanged", (e) => {
      this.unreadBook = applyUnreadChanged(this.unreadBook, e.conversationId, e.unreadCount, e.totalUnread);
      this.emit();
    });
    on("consultationUpdated", (c) => {
      // A consultation that ended turns its conversation read-only: reload it to get the server's status.
      if (c.conversationId && this.open.has(c.conversationId)) void this.refreshConversation(c.conversationId);
    });
    on("supportRoomUpdated", (room) => {
      const entry = this.open.get(room.id);
      if (entry && this.takesSnapshot(room.id, ++this.snapshotTicket)) this.set(room.id, { ...entry, conversation: room });
    });
    // Every connect, the first included: a new connection has no subscriptions, and messages may have been missed.
    this.disposers.push(hub.onConnected(() => {
      void this.resubscribeAll();
      void this.refreshUnread();
    }));
    void this.refreshUnread();
    this.disposers.push(hub.onStatus(() => this.emit()));
  }

  dispose(): void {
    for (const d of this.disposers) d();
    this.disposers.length = 0;
    this.listeners.clear();
  }

  // --- store plumbing for React ---

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  private emit(): void {
    this.version++;
    for (const l of this.listeners) l();
  }

  get status(): ConnectionStatus {
    return this.hub.status;
  }

  get unread(): UnreadBook {
    return this.unreadBook;
  }

  isOnline(userId: string): boolean | undefined {
    return this.presenceMap[userId];
  }

  get(conversationId: string): OpenConversation | undefined {
    return this.open.get(conversationId);
  }

  private set(conversationId: string, entry: OpenConversation): void {
    this.open.set(conversationId, entry);
    this.emit();
  }

  private update(conversationId: string, change: (s: ConversationState) => ConversationState): void {
    const entry = this.open.get(conversationId);
    if (!entry) return;
    const next = change(entry.state);
    if (next !== entry.state) this.set(conversationId, { ...entry, state: next });
  }

  /** Seeds badges from a conversation list (GET /conversations). */
  seedUnread(conversations: { id: string; unreadCount: number }[]): void {
    this.unreadBook = seedUnread(this.unreadBook, Object.fromEntries(conversations.map((c) => [c.id, c.unreadCount])));
    this.emit();
  }

  /** Exact counts from GET /unread: at start and after a reconnect, when unreadChanged events may have been missed. */
  async refreshUnread(): Promise<void> {
    try {
      const summary = await this.api.unread();
      this.unreadBook = unreadFromSummary(summary.totalUnread, summary.conversations);
      this.emit();
    } catch {
      // Badges stay as they were; the next event or reconnect corrects them.
    }
  }

  // --- opening and catching up ---

  /** Starts showing a conversation; returns the function that stops showing it. */
  openConversation(conversationId: string): () => void {
    const count = (this.refs.get(conversationId) ?? 0) + 1;
    this.refs.set(conversationId, count);
    if (count === 1) {
      this.set(conversationId, {
        conversation: null,
        state: createConversationState(conversationId, this.selfId),
        loading: true,
        loadingOlder: false,
        error: null,
      });
      void this.load(conversationId);
    }
    return () => this.closeConversation(conversationId);
  }

  private closeConversation(conversationId: string): void {
    const count = (this.refs.get(conversationId) ?? 1) - 1;
    if (count > 0) {
      this.refs.set(conversationId, count);
      return;
    }
    this.refs.delete(conversationId);
    this.open.delete(conversationId);
    this.shownTicket.delete(conversationId);
    if (this.hub.isConnected) void this.hub.unsubscribe(conversationId).catch(() => undefined);
    this.emit();
  }

  private async load(conversationId: string): Promise<void> {
    try {
      // Subscribe before reading history, so nothing created in between is missed (duplicates merge away).
      await this.subscribeHub(conversationId);
      const ticket = ++this.snapshotTicket;
      const conversation = await this.api.conversation(conversationId);
      const page = await this.api.messages(conversationId, { before: conversation.lastSeq + 1, limit: PAGE_SIZE });
      const entry = this.open.get(conversationId);
      if (!entry) return;
      let state = applyMembers(prependHistory(entry.state, page), conversation.members);
      if (page.messages.length === 0) state = markSyncedUpTo(state, conversation.lastSeq);
      const shown = this.takesSnapshot(conversationId, ticket) ? conversation : entry.conversation;
      this.set(conversationId, { ...entry, conversation: shown, state, loading: false });
      await this.catchUp(conversationId);
      this.ackDelivered(conversationId);
    } catch (e) {
      const entry = this.open.get(conversationId);
      if (entry) this.set(conversationId, { ...entry, loading: false, error: describe(e) });
    }
  }

  private async refreshConversation(conversationId: string): Promise<void> {
    try {
      const ticket = ++this.snapshotTicket;
      const conversation = await this.api.conversation(conversationId);
      const entry = this.open.get(conversationId);
      if (entry && this.takesSnapshot(conversationId, ticket)) {
        this.set(conversationId, { ...entry, conversation, state: applyMembers(entry.state, conversation.members) });
      }
    } catch {
      // The next event or reload tries again.
    }
  }

  private async subscribeHub(conversationId: string): Promise<void> {
    if (!this.hub.isConnected) return;
    const ticket = ++this.snapshotTicket;
    const result = await this.hub.subscribe(conversationId);
    // Subscribe answers the conversation (with receipt watermarks), its lastSeq (is a catch-up needed?) and
    // which members are online right now; presence events only report changes after this.
    const online = new Set(result.onlineUserIds);
    const presence = { ...this.presenceMap };
    for (const m of result.conversation.members) presence[m.userId] = online.has(m.userId);
    this.presenceMap = presence;
    const entry = this.open.get(conversationId);
    if (!entry) return;
    let state = applyMembers(entry.state, result.conversation.members);
    if (result.lastSeq > state.lastSeq) state = { ...state, lastSeq: result.lastSeq };
    const conversation = this.takesSnapshot(conversationId, ticket) ? result.conversation : entry.conversation;
    this.set(conversationId, { ...entry, conversation, state });
  }

  private takesSnapshot(conversationId: string, ticket: number): boolean {
    if ((this.shownTicket.get(conversationId) ?? 0) > ticket) return false;
    this.shownTicket.set(conversationId, ticket);
    return true;
  }

  /** Sync from the last contiguous seq until the server says nothing more remains. */
  async catchUp(conversationId: string): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      const entry = this.open.get(conversationId);
      if (!entry) return;
      const after = entry.state.contiguousSeq;
      const page: MessagePage = this.hub.isConnected
        ? await this.hub.sync(conversationId, after, SYNC_LIMIT)
        : await this.api.messages(conversationId, { after, limit: SYNC_LIMIT });
      this.update(conversationId, (s) => mergeMessages(s, page.messages));
      if (!page.hasMore || page.messages.length === 0) return;
    }
  }

  private async resubscribeAll(): Promise<void> {
    // A new connection has no subscriptions, and anything sent while we were away must be fetched: Sync each.
    await Promise.all(
      [...this.open.keys()].map(async (id) => {
        try {
          await this.subscribeHub(id);
          // Still loading its first page: load() catches up itself once it knows where history starts.
          if (this.open.get(id)?.loading) return;
          await this.catchUp(id);
          this.ackDelivered(id);
          await this.retryPending(id);
        } catch {
          // The next reconnect tries again; the conversation stays as it was.
        }
      }),
    );
  }

  async loadOlder(conversationId: string): Promise<void> {
    const entry = this.open.get(conversationId);
    if (!entry || entry.loadingOlder || !entry.state.hasOlder) return;
    const before = oldestSeq(entry.state);
    if (before === null) return;
    this.set(conversationId, { ...entry, loadingOlder: true });
    try {
      const page = await this.api.messages(conversationId, { before, limit: PAGE_SIZE });
      const current = this.open.get(conversationId);
      if (current) this.set(conversationId, { ...current, state: prependHistory(current.state, page), loadingOlder: false });
    } catch (e) {
      const current = this.open.get(conversationId);
      if (current) this.set(conversationId, { ...current, loadingOlder: false, error: describe(e) });
    }
  }

  private receive(message: Message): void {
    this.update(message.conversationId, (s) => mergeMessages(s, [message]));
    if (message.senderId !== this.selfId) this.ackDelivered(message.conversationId);
  }

  /** Tells the sender's ticks that this device has the messages (delivered), whether or not they are read yet. */
  private ackDelivered(conversationId: string): void {
    const entry = this.open.get(conversationId);
    if (!entry || !this.hub.isConnected) return;
    const upTo = deliveryTarget(entry.state);
    if (upTo === null) return;
    this.update(conversationId, (s) => markDeliveredLocally(s, upTo));
    void this.hub.ackDelivered(conversationId, upTo).catch(() => undefined);
  }

  // --- draft attachments ---

  /** The draft's attachments of a conversation, uploading, done or failed. */
  uploads(conversationId: string): UploadQueue {
    return this.drafts.get(conversationId) ?? emptyQueue;
  }

  /** Whether the composer may send this text with the draft's attachments now. */
  canSend(conversationId: string, text: string): boolean {
    return canSend(this.uploads(conversationId), text);
  }

  private setDraft(conversationId: string, queue: UploadQueue): void {
    if (queue === this.uploads(conversationId)) return;
    if (queue.length === 0) this.drafts.delete(conversationId);
    else this.drafts.set(conversationId, queue);
    this.emit();
  }

  private changeDraft(conversationId: string, change: (q: UploadQueue) => UploadQueue): void {
    this.setDraft(conversationId, change(this.uploads(conversationId)));
  }

  /** Adds files to the draft and starts uploading each at once; returns how many did not fit (at most 10 per message). */
  attach(conversationId: string, files: File[]): number {
    const picked = files.map((file) => ({ file, key: `upload-${++this.uploadSerial}` }));
    const { queue, accepted, refused } = addUploads(
      this.uploads(conversationId),
      picked.map((p) => ({ key: p.key, name: p.file.name, type: p.file.type, size: p.file.size })),
    );
    this.setDraft(conversationId, queue);
    for (const { key } of accepted) {
      const file = picked.find((p) => p.key === key)!.file;
      this.transfers.set(key, { file, handle: null });
      this.startUpload(conversationId, key, file);
    }
    return refused;
  }

  private startUpload(conversationId: string, key: string, file: File): void {
    const handle = this.uploader(conversationId, file, (loaded, total) =>
      this.changeDraft(conversationId, (q) => uploadProgress(q, key, loaded, total)),
    );
    const transfer = this.transfers.get(key);
    if (transfer) transfer.handle = handle;
    handle.done.then(
      (attachment) => this.changeDraft(conversationId, (q) => uploadDone(q, key, attachment)),
      (e: unknown) => {
        if (e instanceof UploadAbortedError) return;
        this.changeDraft(conversationId, (q) => uploadFailed(q, key, describeUploadError(e)));
      },
    );
  }

  /** Cancels a running upload (the request is aborted) or removes a finished or failed one from the draft. */
  removeUpload(conversationId: string, key: string): void {
    this.transfers.get(key)?.handle?.abort();
    this.transfers.delete(key);
    this.changeDraft(conversationId, (q) => removeUpload(q, key));
  }

  /** Uploads a failed file again. */
  retryUpload(conversationId: string, key: string): void {
    const transfer = this.transfers.get(key);
    const item = this.uploads(conversationId).find((i) => i.key === key);
    if (!transfer || item?.status !== "failed") return;
    this.changeDraft(conversationId, (q) => uploadRetrying(q, key));
    this.startUpload(conversationId, key, transfer.file);
  }

  // --- sending ---

  /**
   * Optimistic send of the text and the draft's finished uploads: the bubble appears at once as pending; the stored
   * message replaces it. Nothing is sent while an upload of the draft still runs.
   */
  send(conversationId: string, text: string): boolean {
    const trimmed = text.trim();
    const queue = this.uploads(conversationId);
    if (!canSend(queue, trimmed)) return false;
    const attachments = readyAttachments(queue);
    const clientMessageId = crypto.randomUUID();
    const body = trimmed || null;
    this.update(conversationId, (s) => addPending(s, clientMessageId, body, new Date(), attachments));
    for (const key of queue.filter((i) => i.status === "done").map((i) => i.key)) this.transfers.delete(key);
    this.setDraft(conversationId, afterSend(queue, attachments.map((a) => a.id)));
    void this.deliver(conversationId, clientMessageId, body, attachments);
    return true;
  }

  /** Retry reuses the clientMessageId (and the same attachment ids), so a send that did reach the server is not stored twice. */
  retry(conversationId: string, clientMessageId: string): void {
    const m = this.open.get(conversationId)?.state.messages.find((x) => x.clientMessageId === clientMessageId && x.seq === null);
    if (!m || (m.text === null && m.attachments.length === 0)) return;
    this.update(conversationId, (s) => markRetrying(s, clientMessageId));
    void this.deliver(conversationId, clientMessageId, m.text, m.attachments);
  }

  private async retryPending(conversationId: string): Promise<void> {
    const pending = this.open.get(conversationId)?.state.messages.filter((m) => m.seq === null && m.local === "pending") ?? [];
    for (const m of pending) {
      if (m.clientMessageId && (m.text !== null || m.attachments.length > 0)) {
        await this.deliver(conversationId, m.clientMessageId, m.text, m.attachments);
      }
    }
  }

  private async deliver(conversationId: string, clientMessageId: string, text: string | null, attachments: MessageAttachment[] = []): Promise<void> {
    const ids = attachments.map((a) => a.id);
    try {
      const stored = this.hub.isConnected
        ? ids.length > 0
          ? await this.hub.sendMessageWithAttachments(conversationId, clientMessageId, text, ids)
          : await this.hub.sendMessage(conversationId, clientMessageId, text ?? "")
        : await this.api.sendMessage(conversationId, clientMessageId, text, ids);
      this.receive(stored);
    } catch (e) {
      // Lost on the way (offline, or the connection dropped mid-call): stay pending; the reconnect resends it with
      // the same clientMessageId, so a send that did reach the server is not stored twice.
      if (isConnectionLoss(e) && !this.hub.isConnected) return;
      this.update(conversationId, (s) => markFailed(s, clientMessageId, describe(e)));
    }
  }

  typing(conversationId: string, isTyping: boolean): void {
    if (this.hub.isConnected) void this.hub.typing(conversationId, isTyping).catch(() => undefined);
  }

  /** Moves my read watermark to the newest message (the view calls this while it is visible). */
  markRead(conversationId: string): void {
    const entry = this.open.get(conversationId);
    if (!entry) return;
    const upTo = readTarget(entry.state);
    if (upTo === null) return;
    this.update(conversationId, (s) => markDeliveredLocally(markReadLocally(s, upTo), upTo));
    this.unreadBook = clearUnread(this.unreadBook, conversationId);
    this.emit();
    const call = this.hub.isConnected ? this.hub.markRead(conversationId, upTo) : this.api.markRead(conversationId, upTo);
    void call.catch(() => undefined);
  }
}

function isConnectionLoss(e: unknown): boolean {
  if (e instanceof ApiError) return e.isNetwork;
  return e instanceof Error && !/HubException/.test(e.message);
}

function describe(e: unknown): string {
  if (e instanceof ApiError) return e.summary;
  if (e instanceof Error) {
    // Hub errors arrive as "An unexpected error occurred invoking 'SendMessage' on the server. HubException: [code] <reason>";
    // the code is for programs, the reason for people.
    const hub = /HubException: (?:\[[^\]]+\] )?(.*)$/.exec(e.message);
    return hub?.[1] ?? "Not sent. Check your connection and retry.";
  }
  return "Something went wrong.";
}
