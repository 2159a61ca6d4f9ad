import { useEffect, useLayoutEffect, useMemo, useRef, useState, type ClipboardEvent, type DragEvent, type KeyboardEvent } from "react";
import type { Conversation, Member } from "../api/types";
import type { ChatService } from "../chat/service";
import { MAX_TEXT_LENGTH } from "../chat/service";
import { statusOf, typingUsers, type ChatMessage, type DeliveryStatus } from "../chat/store";
import { TypingThrottle } from "../chat/typingThrottle";
import { FormError, Loading, PresenceDot } from "../components/ui";
import { useChat, useUser } from "../context";
import { formatTime } from "../format";
import { AttachButtons, AttachmentList, UploadList } from "./attachments";
import { MAX_ATTACHMENTS } from "../chat/uploads";

const tickText: Record<DeliveryStatus, { symbol: string; label: string }> = {
  pending: { symbol: "🕓", label: "Sending" },
  sent: { symbol: "✓", label: "Sent" },
  delivered: { symbol: "✓✓", label: "Delivered" },
  read: { symbol: "✓✓", label: "Read" },
  failed: { symbol: "!", label: "Not sent" },
};

export function ConversationPage({ conversationId }: { conversationId: string }) {
  return <ChatView conversationId={conversationId} />;
}

/** Who the other side is, for the header: named members other than me. */
export function conversationTitle(conversation: Conversation | null, selfId: string): string {
  if (!conversation) return "Conversation";
  const others = conversation.members.filter((m) => m.userId !== selfId);
  if (conversation.kind === "support") {
    const me = conversation.members.some((m) => m.userId === selfId && m.role !== "admin");
    if (me) return "Clinic support";
  }
  return others.map((m) => m.displayName).join(", ") || "Conversation";
}

/**
 * The chat of one conversation, whatever its kind: history with infinite scroll back, live messages, optimistic
 * sends with ticks and retry, typing, presence and read state. Text is always rendered as text.
 */
export function ChatView({
  conversationId,
  title,
  readOnlyReason,
}: {
  conversationId: string;
  title?: string;
  /**
   * Set by a caller that knows better than the conversation status: a reason makes the chat read-only, null keeps
   * it writable (an active consultation; the server still refuses a send that comes too late, with a clear error).
   */
  readOnlyReason?: string | null;
}) {
  const chat = useChat();
  const user = useUser();
  const [dragging, setDragging] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => (chat ? chat.openConversation(conversationId) : undefined), [chat, conversationId]);

  if (!chat) return <Loading what="chat" />;
  const entry = chat.get(conversationId);
  if (!entry) return <Loading what="conversation" />;

  const conversation = entry.conversation;
  const statusReadOnly =
    conversation?.status === "read_only"
      ? "This conversation is read-only now."
      : conversation?.status === "closed"
        ? "This conversation is closed."
        : null;
  // The caller may know more (a consultation that ended); the server's status always wins when it refuses sends.
  const readOnly = readOnlyReason === undefined ? statusReadOnly : readOnlyReason;
  const heading = title ?? conversationTitle(conversation, user.id);
  const canAttach = !readOnly && !entry.loading;

  const attach = (files: File[]) => {
    const refused = chat.attach(conversationId, files);
    setNotice(refused > 0 ? `At most ${MAX_ATTACHMENTS} files go with one message; ${refused} ${refused === 1 ? "was" : "were"} not added.` : null);
  };
  // Files dropped anywhere on the chat join the draft.
  const hasFiles = (e: DragEvent) => e.dataTransfer.types.includes("Files");
  const dropHandlers = canAttach
    ? {
        onDragOver: (e: DragEvent) => {
          if (!hasFiles(e)) return;
          e.preventDefault();
          e.dataTransfer.dropEffect = "copy";
          if (!dragging) setDragging(true);
        },
        onDragLeave: (e: DragEvent) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
        },
        onDrop: (e: DragEvent) => {
          if (!hasFiles(e)) return;
          e.preventDefault();
          setDragging(false);
          attach([...e.dataTransfer.files]);
        },
      }
    : {};

  return (
    <section className={`chat${dragging ? " dropping" : ""}`} aria-label={`Chat: ${heading}`} {...dropHandlers}>
      {dragging && (
        <p className="drop-hint" aria-hidden="true">
          Drop photos or documents to attach them
        </p>
      )}
      <ChatHeader chat={chat} conversation={conversation} title={heading} selfId={user.id} />
      {entry.error && <FormError error={new Error(entry.error)} />}
      <MessageList chat={chat} conversationId={conversationId} members={conversation?.members ?? []} />
      <TypingLine chat={chat} conversationId={conversationId} members={conversation?.members ?? []} />
      {readOnly ? (
        <p className="read-only" role="status">
          {readOnly}
        </p>
      ) : (
        <Composer chat={chat} conversationId={conversationId} disabled={entry.loading} onFiles={attach} notice={notice} />
      )}
    </section>
  );
}

function ChatHeader({ chat, conversation, title, selfId }: { chat: ChatService; conversation: Conversation | null; title: string; selfId: string }) {
  const others = conversation?.members.filter((m) => m.userId !== selfId) ?? [];
  return (
    <header className="chat-head">
      <h1>{title}</h1>
      <ul className="members" aria-label="Members">
        {others.map((m) => (
          <li key={m.userId}>
            <PresenceDot online={chat.isOnline(m.userId)} /> {m.displayName} <span className="role">({m.role})</span>
          </li>
        ))}
      </ul>
    </header>
  );
}

function MessageList({ chat, conversationId, members }: { chat: ChatService; conversationId: string; members: Member[] }) {
  const entry = chat.get(conversationId)!;
  const { state } = entry;
  const list = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const heightBeforeOlder = useRef<number | null>(null);
  const names = useMemo(() => Object.fromEntries(members.map((m) => [m.userId, m.displayName])), [members]);
  const lastKey = state.messages.at(-1)?.key;
  const firstKey = state.messages[0]?.key;

  // Keep the view pinned: at the bottom for new messages (if the reader was there), in place when older ones load.
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    if (heightBeforeOlder.current !== null) {
      el.scrollTop += el.scrollHeight - heightBeforeOlder.current;
      heightBeforeOlder.current = null;
    } else if (stickToBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [lastKey, firstKey, state.messages.length]);

  // Reading: while the page is visible, what arrives is read.
  useEffect(() => {
    const read = () => {
      if (document.visibilityState === "visible") chat.markRead(conversationId);
    };
    read();
    document.addEventListener("visibilitychange", read);
    return () => document.removeEventListener("visibilitychange", read);
  }, [chat, conversationId, state.lastSeq, entry.loading]);

  const onScroll = () => {
    const el = list.current;
    if (!el) return;
    stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    if (el.scrollTop < 80 && state.hasOlder && !entry.loadingOlder) {
      heightBeforeOlder.current = el.scrollHeight;
      void chat.loadOlder(conversationId);
    }
  };

  return (
    <div className="messages" ref={list} onScroll={onScroll} role="log" aria-live="polite" aria-label="Messages" tabIndex={0}>
      {entry.loading && <Loading what="messages" />}
      {entry.loadingOlder && <Loading what="older messages" />}
      {!entry.loading && state.hasOlder && !entry.loadingOlder && (
        <button type="button" className="load-older" onClick={() => {
          heightBeforeOlder.current = list.current?.scrollHeight ?? null;
          void chat.loadOlder(conversationId);
        }}>
          Load older messages
        </button>
      )}
      {!entry.loading && state.messages.length === 0 && <p className="empty">No messages yet. Say hello.</p>}
      <ol>
        {state.messages.map((m) => (
          <MessageBubble key={m.key} message={m} status={statusOf(state, m)} mine={m.senderId === state.selfId}
            senderName={m.senderId ? names[m.senderId] : undefined}
            onRetry={() => m.clientMessageId && chat.retry(conversationId, m.clientMessageId)} />
        ))}
      </ol>
    </div>
  );
}

function MessageBubble({ message: m, status, mine, senderName, onRetry }: {
  message: ChatMessage;
  status: DeliveryStatus | null;
  mine: boolean;
  senderName: string | undefined;
  onRetry: () => void;
}) {
  if (m.kind === "system") {
    return (
      <li className="message system" data-seq={m.seq ?? undefined}>
        <p>{m.text}</p>
      </li>
    );
  }
  const tick = status ? tickText[status] : null;
  return (
    <li className={`message ${mine ? "mine" : "theirs"} ${status ?? ""}`} data-seq={m.seq ?? undefined} data-status={status ?? undefined}>
      {!mine && senderName && <p className="sender">{senderName}</p>}
      {m.deletedAt ? (
        <p className="text deleted">This message was deleted.</p>
      ) : (
        <>
          <AttachmentList attachments={m.attachments} />
          {/* Plain text in a text node: markup in messages stays literal, links are neither followed nor previewed. */}
          {m.text && <p className="text">{m.text}</p>}
        </>
      )}
      <p className="meta">
        <time dateTime={m.createdAt}>{formatTime(m.createdAt)}</time>
        {tick && (
          <span className={`tick tick-${status}`} role="img" aria-label={tick.label} title={tick.label}>
            {tick.symbol}
          </span>
        )}
      </p>
      {status === "failed" && (
        <p className="failed">
          {m.error ?? "Not sent."}{" "}
          <button type="button" onClick={onRetry}>
            Retry
          </button>
        </p>
      )}
    </li>
  );
}

function TypingLine({ chat, conversationId, members }: { chat: ChatService; conversationId: string; members: Member[] }) {
  const state = chat.get(conversationId)!.state;
  const [now, setNow] = useState(() => Date.now());
  const typing = typingUsers(state, now);
  // Re-check expiry while someone is shown as typing, so the indicator lapses on its own; the clock is re-read at
  // once when the indicators change, so a lapsed one does not linger for a tick.
  useEffect(() => {
    if (Object.keys(state.typingUntil).length === 0) return;
    const tick = () => setNow(Date.now());
    const first = setTimeout(tick, 0);
    const t = setInterval(tick, 1000);
    return () => {
      clearTimeout(first);
      clearInterval(t);
    };
  }, [state.typingUntil]);
  const names = typing.map((id) => members.find((m) => m.userId === id)?.displayName ?? "Someone");
  return (
    <p className="typing" aria-live="polite">
      {names.length > 0 ? `${names.join(", ")} ${names.length === 1 ? "is" : "are"} typing…` : " "}
    </p>
  );
}

function Composer({ chat, conversationId, disabled, onFiles, notice }: {
  chat: ChatService;
  conversationId: string;
  disabled: boolean;
  onFiles: (files: File[]) => void;
  notice: string | null;
}) {
  const [text, setText] = useState("");
  const uploads = chat.uploads(conversationId);
  const throttle = useMemo(() => new TypingThrottle((t) => chat.typing(conversationId, t)), [chat, conversationId]);
  useEffect(() => () => throttle.stop(), [throttle]);

  const tooLong = text.length > MAX_TEXT_LENGTH;
  const sendable = !disabled && !tooLong && chat.canSend(conversationId, text);
  const send = () => {
    if (!sendable || !chat.send(conversationId, text)) return;
    throttle.stop();
    setText("");
  };

  // A photo pasted into the message box (a screenshot, a copied image) is attached; pasted text stays text.
  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    const images = [...e.clipboardData.files].filter((f) => f.type.startsWith("image/"));
    if (images.length === 0) return;
    e.preventDefault();
    onFiles(images);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter sends, Shift+Enter is a new line; never while an IME is composing (Enter picks the candidate then).
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  };

  return (
    <form className="composer" onSubmit={(e) => { e.preventDefault(); send(); }} aria-label="Send a message">
      <label htmlFor={`compose-${conversationId}`} className="visually-hidden">
        Message
      </label>
      <textarea id={`compose-${conversationId}`} rows={2} value={text} placeholder="Type a message" disabled={disabled}
        aria-describedby={tooLong ? `compose-${conversationId}-error` : undefined}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value) throttle.input();
          else throttle.stop();
        }}
        onBlur={() => throttle.stop()} onKeyDown={onKeyDown} onPaste={onPaste} />
      <AttachButtons onFiles={onFiles} disabled={disabled} />
      <button type="submit" className="primary" disabled={!sendable}>
        Send
      </button>
      <UploadList chat={chat} conversationId={conversationId} items={uploads} />
      {notice && (
        <p className="hint composer-notice" role="status">
          {notice}
        </p>
      )}
      {tooLong && (
        <p className="field-error" id={`compose-${conversationId}-error`}>
          Messages can be at most {MAX_TEXT_LENGTH.toLocaleString()} characters.
        </p>
      )}
    </form>
  );
}
