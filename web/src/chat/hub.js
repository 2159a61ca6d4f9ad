import { HubConnectionBuilder, HubConnectionState, LogLevel, } from "@microsoft/signalr";
import { hubEventNames } from "../api/types";
export const HUB_PATH = "/hubs/chat";
/**
 * Reconnect backoff: quick at first (a blip), then slower, never giving up while the page is open:
 * 0, 1, 2, 5, 10 s, then 15 s. Up to a quarter of jitter so a restarted server is not hit by every client at once.
 */
export function reconnectDelayMs(previousRetryCount, random = Math.random) {
    const base = [0, 1000, 2000, 5000, 10_000][previousRetryCount] ?? 15_000;
    return Math.round(base + base * 0.25 * random());
}
export const retryForever = {
    nextRetryDelayInMilliseconds: (context) => reconnectDelayMs(context.previousRetryCount),
};
/**
 * The one connection to /hubs/chat for the signed-in user, through the official @microsoft/signalr client.
 * Owns the connection's life (start with retries, automatic reconnect with backoff, restart after the server
 * closed it) and exposes the hub methods and events of PRODUCT.md §4. Catch-up after a reconnect is the chat
 * service's job: it registers through onReconnected.
 */
export class ChatHub {
    onUnauthorized;
    connection;
    handlers = new Map();
    statusListeners = new Set();
    reconnectedListeners = new Set();
    connectedListeners = new Set();
    currentStatus = "disconnected";
    stopped = false;
    restartTimer = null;
    restartAttempt = 0;
    /**
     * onUnauthorized runs when the hub refuses the token (a 401 on connect): the session decides whether it can
     * refresh or is over; retrying with the same token would fail forever.
     */
    constructor(accessToken, onUnauthorized = async () => undefined, baseUrl = "") {
        this.onUnauthorized = onUnauthorized;
        this.connection = new HubConnectionBuilder()
            .withUrl(`${baseUrl}${HUB_PATH}`, { accessTokenFactory: accessToken })
            .withAutomaticReconnect({
            nextRetryDelayInMilliseconds: (context) => {
                // A reconnect refused with 401: the session was revoked or the token expired while away.
                if (context.retryReason?.statusCode === 401)
                    void this.onUnauthorized().catch(() => undefined);
                return retryForever.nextRetryDelayInMilliseconds(context);
            },
        })
            .configureLogging(LogLevel.Warning)
            .build();
        for (const name of hubEventNames) {
            this.connection.on(name, (payload) => {
                for (const h of this.handlers.get(name) ?? [])
                    h(payload);
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
    get status() {
        return this.currentStatus;
    }
    get isConnected() {
        return this.connection.state === HubConnectionState.Connected;
    }
    async start() {
        this.stopped = false;
        this.setStatus(this.restartAttempt > 0 ? "reconnecting" : "connecting");
        try {
            await this.connection.start();
            const wasRestart = this.restartAttempt > 0;
            this.restartAttempt = 0;
            this.setStatus("connected");
            this.fireConnected();
            if (wasRestart)
                this.fireReconnected();
        }
        catch (e) {
            if (e.statusCode === 401) {
                await this.onUnauthorized().catch(() => undefined);
            }
            if (!this.stopped) {
                this.setStatus("reconnecting");
                this.scheduleRestart();
            }
        }
    }
    async stop() {
        this.stopped = true;
        if (this.restartTimer)
            clearTimeout(this.restartTimer);
        this.restartTimer = null;
        await this.connection.stop().catch(() => undefined);
        this.setStatus("disconnected");
    }
    scheduleRestart() {
        if (this.restartTimer)
            return;
        const delay = reconnectDelayMs(this.restartAttempt++);
        this.restartTimer = setTimeout(() => {
            this.restartTimer = null;
            if (!this.stopped)
                void this.start();
        }, delay);
    }
    on(name, handler) {
        let set = this.handlers.get(name);
        if (!set)
            this.handlers.set(name, (set = new Set()));
        const h = handler;
        set.add(h);
        return () => set.delete(h);
    }
    onStatus(listener) {
        this.statusListeners.add(listener);
        return () => this.statusListeners.delete(listener);
    }
    /** Called after every reconnect (automatic or a restart): subscriptions are gone and messages may have been missed. */
    onReconnected(listener) {
        this.reconnectedListeners.add(listener);
        return () => this.reconnectedListeners.delete(listener);
    }
    /**
     * Called after every successful connect, the first one included: conversations opened before the connection
     * was up (a page load opens them at once) subscribe then.
     */
    onConnected(listener) {
        this.connectedListeners.add(listener);
        return () => this.connectedListeners.delete(listener);
    }
    fireConnected() {
        for (const l of this.connectedListeners)
            l();
    }
    fireReconnected() {
        for (const l of this.reconnectedListeners)
            l();
    }
    setStatus(status) {
        if (status === this.currentStatus)
            return;
        this.currentStatus = status;
        for (const l of this.statusListeners)
            l(status);
    }
    subscribe(conversationId) {
        return this.connection.invoke("Subscribe", conversationId);
    }
    unsubscribe(conversationId) {
        return this.connection.invoke("Unsubscribe", conversationId);
    }
    sendMessage(conversationId, clientMessageId, text) {
        return this.connection.invoke("SendMessage", conversationId, clientMessageId, text);
    }
    typing(conversationId, isTyping) {
        // Ephemeral: no answer is awaited.
        return this.connection.send("Typing", conversationId, isTyping);
    }
    markRead(conversationId, upToSeq) {
        return this.connection.invoke("MarkRead", conversationId, upToSeq);
    }
    ackDelivered(conversationId, upToSeq) {
        return this.connection.invoke("AckDelivered", conversationId, upToSeq);
    }
    sync(conversationId, afterSeq, limit) {
        return this.connection.invoke("Sync", conversationId, afterSeq, limit);
    }
}
