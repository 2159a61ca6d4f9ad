import {
  HubConnectionBuilder,
  HubConnectionState,
  LogLevel,
  type HubConnection,
  type IRetryPolicy,
} from "@microsoft/signalr";
import type { HubEventName, HubEvents, Message, MessagePage, SubscribeResult } from "../api/types";
import { hubEventNames } from "../api/types";

export const HUB_PATH = "/hubs/chat";

/**
 * Ping timing agreed with the server (README, Limits__HubKeepAliveSeconds / Limits__HubClientTimeoutSeconds): the
 * server pings an idle connection every 15 s at most (so that clients at SignalR's default 30 s timeout keep their
 * connections), and this client waits 60 s, leaving room for a slow network; it pings every 30 s and the server waits
 * 60 s. Client pings at SignalR's 15 s default would cost the server more CPU per idle connection.
 */
export const HUB_SERVER_TIMEOUT_MS = 60_000;
export const HUB_KEEP_ALIVE_MS = 30_000;

export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "disconnected";

/**
 * Reconnect backoff: quick at first (a blip), then slower, never giving up while the page is open:
 * 0, 1, 2, 5, 10 s, then 15 s. Up to a quarter of jitter so a restarted server is not hit by every client at once.
 */
export function reconnectDelayMs(previousRetryCount: number, random: () => number = Math.random): number {
  const base = [0, 1000, 2000, 5000, 10_000][previousRetryCount] ?? 15_000;
  return Math.round(base + base * 0.25 * random());
}

export const retryForever: IRetryPolicy = {
  nextRetryDelayInMilliseconds: (context) => reconnectDelayMs(context.previousRetryCount),
};

type Handler<E extends HubEventName> = (payload: HubEvents[E]) => void;

/**
 * The one connection to /hubs/chat for the signed-in user, through the official @microsoft/signalr client.
 * Owns the connection's life (start with retries, automatic reconnect with backoff, restart after the server
 * closed it) and exposes the public hub methods and events. Catch-up after a reconnect is the chat
 * service's job: it registers through onReconnected.
 */
export class ChatHub {
  private readonly connection: HubConnection;
  private readonly handlers = new Map<HubEventName, Set<(payload: unknown) => void>>();
  private readonly statusListeners = new Set<(status: ConnectionStatus) => void>();
  private readonly reconnectedListeners = new Set<() => void>();
  private readonly connectedListeners = new Set<() => void>();
  private currentStatus: ConnectionStatus = "disconnected";
  private stopped = false;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private restartAttempt = 0;

  /**
   * onUnauthorized runs when the hub refuses the token (a 401 on connect): the session decides whether it can
   * refresh or is over; retrying with the same token would fail forever.
   */
  constructor(
    accessToken: () => Promise<string>,
    private readonly onUnauthorized: () => Promise<void> = () => Promise.resolve(),
    baseUrl = "",
  ) {
    this.connection = new HubConnectionBuilder()
      .withUrl(`${baseUrl}${HUB_PATH}`, { accessTokenFactory: accessToken })
      .withServerTimeout(HUB_SERVER_TIMEOUT_MS)
      .withKeepAliveInterval(HUB_KEEP_ALIVE_MS)
      .withAutomaticReconnect({
        nextRetryDelayInMilliseconds: (context) => {
          // A reconnect refused with 401: the session was revoked or the token expired while away.
          if ((context.retryReason as { statusCode?: number } | undefined)?.statusCode === 401) void this.onUnauthorized().catch(() => undefined);
          return retryForever.nextRetryDelayInMilliseconds(context);
        },
      })
      .configureLogging(LogLevel.Warning)
      .build();

    for (const name of hubEventNames) {
      this.connection.on(name, (payload: unknown) => {
        for (const h of this.handlers.get(name) ?? []) h(payload);
      });
    }
    this.connection.onreconnecting(() => this.setStatus("reconnecting"));
    this.connection.onreconnected(() => {
      this.setStatus("connected");
      this.fireConnected();
      this.fireReconnected();
    });
    // Closed for good (the server closed it, e.g. after a restart, or the retries ended): start again ourselves.
    this.connection.onclose(() => {
      if (this.stopped) {
        this.setStatus("disconnected");
        return;
      }
      this.setStatus("reconnecting");
      this.scheduleRestart();
    });
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  get isConnected(): boolean {
    return this.connection.state === HubConnectionState.Connected;
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.setStatus(this.restartAttempt > 0 ? "reconnecting" : "connecting");
    try {
      await this.connection.start();
      const wasRestart = this.restartAttempt > 0;
      this.restartAttempt = 0;
      this.setStatus("connected");
      this.fireConnected();
      if (wasRestart) this.fireReconnected();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 401) {
        await this.onUnauthorized().catch(() => undefined);
      }
      if (!this.stopped) {
        this.setStatus("reconnecting");
        this.scheduleRestart();
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.connection.stop().catch(() => undefined);
    this.setStatus("disconnected");
  }

  private scheduleRestart(): void {
    if (this.restartTimer) return;
    const delay = reconnectDelayMs(this.restartAttempt++);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopped) void this.start();
    }, delay);
  }

  on<E extends HubEventName>(name: E, handler: Handler<E>): () => void {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    const h = handler as (payload: unknown) => void;
    set.add(h);
    return () => set.delete(h);
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Called after every reconnect (automatic or a restart): subscriptions are gone and messages may have been missed. */
  onReconnected(listener: () => void): () => void {
    this.reconnectedListeners.add(listener);
    return () => this.reconnectedListeners.delete(listener);
  }

  /**
   * Called after every successful connect, the first one included: conversations opened before the connection
   * was up (a page load opens them at once) subscribe then.
   */
  onConnected(listener: () => void): () => void {
    this.connectedListeners.add(listener);
    return () => this.connectedListeners.delete(listener);
  }

  private fireConnected(): void {
    for (const l of this.connectedListeners) l();
  }

  private fireReconnected(): void {
    for (const l of this.reconnectedListeners) l();
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    for (const l of this.statusListeners) l(status);
  }

  subscribe(conversationId: string): Promise<SubscribeResult> {
    return this.connection.invoke<SubscribeResult>("Subscribe", conversationId);
  }

  unsubscribe(conversationId: string): Promise<unknown> {
    return this.connection.invoke("Unsubscribe", conversationId);
  }

  sendMessage(conversationId: string, clientMessageId: string, text: string): Promise<Message> {
    return this.connection.invoke<Message>("SendMessage", conversationId, clientMessageId, text);
  }

  /** The same send with uploaded attachments linked (text may be null then); at most 10 attachments. */
  sendMessageWithAttachments(conversationId: string, clientMessageId: string, text: string | null, attachmentIds: string[]): Promise<Message> {
    return this.connection.invoke<Message>("SendMessageWithAttachments", conversationId, clientMessageId, text, attachmentIds);
  }

  typing(conversationId: string, isTyping: boolean): Promise<void> {
    // Ephemeral: no answer is awaited.
    return this.connection.send("Typing", conversationId, isTyping);
  }

  markRead(conversationId: string, upToSeq: number): Promise<unknown> {
    return this.connection.invoke("MarkRead", conversationId, upToSeq);
  }

  ackDelivered(conversationId: string, upToSeq: number): Promise<unknown> {
    return this.connection.invoke("AckDelivered", conversationId, upToSeq);
  }

  sync(conversationId: string, afterSeq: number, limit: number): Promise<MessagePage> {
    return this.connection.invoke<MessagePage>("Sync", conversationId, afterSeq, limit);
  }
}
