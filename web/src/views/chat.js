import { jsx as _jsx, jsxs as _jsxs } from "react/jsx-runtime";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { MAX_TEXT_LENGTH } from "../chat/service";
import { statusOf, typingUsers } from "../chat/store";
import { TypingThrottle } from "../chat/typingThrottle";
import { FormError, Loading, PresenceDot } from "../components/ui";
import { useChat, useUser } from "../context";
import { formatTime } from "../format";
const tickText = {
    pending: { symbol: "🕓", label: "Sending" },
    sent: { symbol: "✓", label: "Sent" },
    delivered: { symbol: "✓✓", label: "Delivered" },
    read: { symbol: "✓✓", label: "Read" },
    failed: { symbol: "!", label: "Not sent" },
};
export function ConversationPage({ conversationId }) {
    return _jsx(ChatView, { conversationId: conversationId });
}
/** Who the other side is, for the header: named members other than me. */
export function conversationTitle(conversation, selfId) {
    if (!conversation)
        return "Conversation";
    const others = conversation.members.filter((m) => m.userId !== selfId);
    if (conversation.kind === "support") {
        const me = conversation.members.some((m) => m.userId === selfId && m.role !== "admin");
        if (me)
            return "Clinic support";
    }
    return others.map((m) => m.displayName).join(", ") || "Conversation";
}
/**
 * The chat of one conversation, whatever its kind: history with infinite scroll back, live messages, optimistic
 * sends with ticks and retry, typing, presence and read state. Text is always rendered as text.
 */
export function ChatView({ conversationId, title, readOnlyReason, }) {
    const chat = useChat();
    const user = useUser();
    useEffect(() => (chat ? chat.openConversation(conversationId) : undefined), [chat, conversationId]);
    if (!chat)
        return _jsx(Loading, { what: "chat" });
    const entry = chat.get(conversationId);
    if (!entry)
        return _jsx(Loading, { what: "conversation" });
    const conversation = entry.conversation;
    const statusReadOnly = conversation?.status === "read_only"
        ? "This conversation is read-only now."
        : conversation?.status === "closed"
            ? "This conversation is closed."
            : null;
    // The caller may know more (a consultation that ended); the server's status always wins when it refuses sends.
    const readOnly = readOnlyReason === undefined ? statusReadOnly : readOnlyReason;
    const heading = title ?? conversationTitle(conversation, user.id);
    return (_jsxs("section", { className: "chat", "aria-label": `Chat: ${heading}`, children: [_jsx(ChatHeader, { chat: chat, conversation: conversation, title: heading, selfId: user.id }), entry.error && _jsx(FormError, { error: new Error(entry.error) }), _jsx(MessageList, { chat: chat, conversationId: conversationId, members: conversation?.members ?? [] }), _jsx(TypingLine, { chat: chat, conversationId: conversationId, members: conversation?.members ?? [] }), readOnly ? (_jsx("p", { className: "read-only", role: "status", children: readOnly })) : (_jsx(Composer, { chat: chat, conversationId: conversationId, disabled: entry.loading }))] }));
}
function ChatHeader({ chat, conversation, title, selfId }) {
    const others = conversation?.members.filter((m) => m.userId !== selfId) ?? [];
    return (_jsxs("header", { className: "chat-head", children: [_jsx("h1", { children: title }), _jsx("ul", { className: "members", "aria-label": "Members", children: others.map((m) => (_jsxs("li", { children: [_jsx(PresenceDot, { online: chat.isOnline(m.userId) }), " ", m.displayName, " ", _jsxs("span", { className: "role", children: ["(", m.role, ")"] })] }, m.userId))) })] }));
}
function MessageList({ chat, conversationId, members }) {
    const entry = chat.get(conversationId);
    const { state } = entry;
    const list = useRef(null);
    const stickToBottom = useRef(true);
    const heightBeforeOlder = useRef(null);
    const names = useMemo(() => Object.fromEntries(members.map((m) => [m.userId, m.displayName])), [members]);
    const lastKey = state.messages.at(-1)?.key;
    const firstKey = state.messages[0]?.key;
    // Keep the view pinned: at the bottom for new messages (if the reader was there), in place when older ones load.
    useLayoutEffect(() => {
        const el = list.current;
        if (!el)
            return;
        if (heightBeforeOlder.current !== null) {
            el.scrollTop += el.scrollHeight - heightBeforeOlder.current;
            heightBeforeOlder.current = null;
        }
        else if (stickToBottom.current) {
            el.scrollTop = el.scrollHeight;
        }
    }, [lastKey, firstKey, state.messages.length]);
    // Reading: while the page is visible, what arrives is read.
    useEffect(() => {
        const read = () => {
            if (document.visibilityState === "visible")
                chat.markRead(conversationId);
        };
        read();
        document.addEventListener("visibilitychange", read);
        return () => document.removeEventListener("visibilitychange", read);
    }, [chat, conversationId, state.lastSeq, entry.loading]);
    const onScroll = () => {
        const el = list.current;
        if (!el)
            return;
        stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
        if (el.scrollTop < 80 && state.hasOlder && !entry.loadingOlder) {
            heightBeforeOlder.current = el.scrollHeight;
            void chat.loadOlder(conversationId);
        }
    };
    return (_jsxs("div", { className: "messages", ref: list, onScroll: onScroll, role: "log", "aria-live": "polite", "aria-label": "Messages", tabIndex: 0, children: [entry.loading && _jsx(Loading, { what: "messages" }), entry.loadingOlder && _jsx(Loading, { what: "older messages" }), !entry.loading && state.hasOlder && !entry.loadingOlder && (_jsx("button", { type: "button", className: "load-older", onClick: () => {
                    heightBeforeOlder.current = list.current?.scrollHeight ?? null;
                    void chat.loadOlder(conversationId);
                }, children: "Load older messages" })), !entry.loading && state.messages.length === 0 && _jsx("p", { className: "empty", children: "No messages yet. Say hello." }), _jsx("ol", { children: state.messages.map((m) => (_jsx(MessageBubble, { message: m, status: statusOf(state, m), mine: m.senderId === state.selfId, senderName: m.senderId ? names[m.senderId] : undefined, onRetry: () => m.clientMessageId && chat.retry(conversationId, m.clientMessageId) }, m.key))) })] }));
}
function MessageBubble({ message: m, status, mine, senderName, onRetry }) {
    if (m.kind === "system") {
        return (_jsx("li", { className: "message system", "data-seq": m.seq ?? undefined, children: _jsx("p", { children: m.text }) }));
    }
    const tick = status ? tickText[status] : null;
    return (_jsxs("li", { className: `message ${mine ? "mine" : "theirs"} ${status ?? ""}`, "data-seq": m.seq ?? undefined, "data-status": status ?? undefined, children: [!mine && senderName && _jsx("p", { className: "sender", children: senderName }), m.deletedAt ? (_jsx("p", { className: "text deleted", children: "This message was deleted." })) : m.kind === "text" ? (
            // Plain text in a text node: markup in messages stays literal, links are neither followed nor previewed.
            _jsx("p", { className: "text", children: m.text })) : (_jsxs("p", { className: "text attachment", children: ["[", m.kind === "image" ? "Image" : "File", "] ", m.text] })), _jsxs("p", { className: "meta", children: [_jsx("time", { dateTime: m.createdAt, children: formatTime(m.createdAt) }), tick && (_jsx("span", { className: `tick tick-${status}`, role: "img", "aria-label": tick.label, title: tick.label, children: tick.symbol }))] }), status === "failed" && (_jsxs("p", { className: "failed", children: [m.error ?? "Not sent.", " ", _jsx("button", { type: "button", onClick: onRetry, children: "Retry" })] }))] }));
}
function TypingLine({ chat, conversationId, members }) {
    const state = chat.get(conversationId).state;
    const [now, setNow] = useState(() => Date.now());
    const typing = typingUsers(state, now);
    // Re-check expiry while someone is shown as typing; the indicator lapses on its own.
    useEffect(() => {
        if (Object.keys(state.typingUntil).length === 0)
            return;
        const t = setInterval(() => setNow(Date.now()), 1000);
        return () => clearInterval(t);
    }, [state.typingUntil]);
    useEffect(() => setNow(Date.now()), [state.typingUntil]);
    const names = typing.map((id) => members.find((m) => m.userId === id)?.displayName ?? "Someone");
    return (_jsx("p", { className: "typing", "aria-live": "polite", children: names.length > 0 ? `${names.join(", ")} ${names.length === 1 ? "is" : "are"} typing…` : " " }));
}
function Composer({ chat, conversationId, disabled }) {
    const [text, setText] = useState("");
    const throttle = useMemo(() => new TypingThrottle((t) => chat.typing(conversationId, t)), [chat, conversationId]);
    useEffect(() => () => throttle.stop(), [throttle]);
    const send = () => {
        if (!text.trim())
            return;
        chat.send(conversationId, text);
        throttle.stop();
        setText("");
    };
    const onKeyDown = (e) => {
        // Enter sends, Shift+Enter is a new line; never while an IME is composing (Enter picks the candidate then).
        if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            send();
        }
    };
    const tooLong = text.length > MAX_TEXT_LENGTH;
    return (_jsxs("form", { className: "composer", onSubmit: (e) => { e.preventDefault(); send(); }, "aria-label": "Send a message", children: [_jsx("label", { htmlFor: `compose-${conversationId}`, className: "visually-hidden", children: "Message" }), _jsx("textarea", { id: `compose-${conversationId}`, rows: 2, value: text, placeholder: "Type a message", disabled: disabled, "aria-describedby": tooLong ? `compose-${conversationId}-error` : undefined, onChange: (e) => {
                    setText(e.target.value);
                    if (e.target.value)
                        throttle.input();
                    else
                        throttle.stop();
                }, onBlur: () => throttle.stop(), onKeyDown: onKeyDown }), _jsx("button", { type: "submit", className: "primary", disabled: disabled || !text.trim() || tooLong, children: "Send" }), tooLong && (_jsxs("p", { className: "field-error", id: `compose-${conversationId}-error`, children: ["Messages can be at most ", MAX_TEXT_LENGTH.toLocaleString(), " characters."] }))] }));
}
