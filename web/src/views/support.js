import { jsx as _jsx, jsxs as _jsxs, Fragment as _Fragment } from "react/jsx-runtime";
import { useCallback, useEffect, useState } from "react";
import { Badge, FormError, Loading, Notice, SelectField } from "../components/ui";
import { useApi, useChat, useUser } from "../context";
import { formatDateTime, formatDuration, formatTime } from "../format";
import { useLoad } from "../hooks";
import { Link } from "../router";
import { ChatView } from "./chat";
/**
 * A user's chat with the clinic's support desk. POST /support/room finds the open room or opens one; a room the
 * desk has closed stays readable, and "start a new conversation" opens a fresh one (closed rooms never reopen).
 */
export function SupportChat() {
    const api = useApi();
    const chat = useChat();
    const { data: room, setData, error } = useLoad(() => api.openSupportRoom(), [api]);
    const [starting, setStarting] = useState(false);
    const [startError, setStartError] = useState(null);
    if (error)
        return _jsx(FormError, { error: error });
    if (!room)
        return _jsx(Loading, { what: "support chat" });
    const status = chat?.get(room.id)?.conversation?.status ?? room.status;
    const closed = status === "closed";
    const startNew = async () => {
        setStarting(true);
        setStartError(null);
        try {
            setData(await api.openSupportRoom());
        }
        catch (e) {
            setStartError(e);
        }
        finally {
            setStarting(false);
        }
    };
    return (_jsxs(_Fragment, { children: [_jsx(ChatView, { conversationId: room.id, title: "Clinic support", readOnlyReason: closed ? "The support desk closed this conversation." : null }, room.id), closed && (_jsxs("div", { className: "panel", children: [_jsx(FormError, { error: startError }), _jsx("button", { type: "button", className: "primary", disabled: starting, onClick: () => void startNew(), children: "Start a new conversation" })] }))] }));
}
const filterLabel = { open: "Open", unassigned: "Unassigned", closed: "Closed" };
/** Keeps the desk's lists and numbers live: supportRoomUpdated goes to every online admin on any change. */
function useDeskRefresh(refresh) {
    const chat = useChat();
    useEffect(() => {
        if (!chat)
            return;
        const offs = [chat.hub.on("supportRoomUpdated", () => refresh()), chat.hub.onReconnected(() => refresh())];
        return () => offs.forEach((off) => off());
    }, [chat, refresh]);
}
/** The admins' desk: the queue by status, assignment, closing and the desk's numbers. */
export function SupportDesk() {
    const api = useApi();
    const chat = useChat();
    const [status, setStatus] = useState("open");
    const rooms = useLoad(() => api.supportRooms(status), [api, status]);
    const stats = useLoad(() => api.supportStats(), [api]);
    const admins = useLoad(() => api.listUsers("admin"), [api]);
    const [actionError, setActionError] = useState(null);
    const reloadRooms = rooms.reload;
    const reloadStats = stats.reload;
    const refresh = useCallback(() => {
        void reloadRooms();
        void reloadStats();
    }, [reloadRooms, reloadStats]);
    useDeskRefresh(refresh);
    const act = async (call) => {
        setActionError(null);
        try {
            await call();
            refresh();
        }
        catch (e) {
            setActionError(e);
        }
    };
    return (_jsxs("section", { children: [_jsx("h1", { children: "Support desk" }), stats.data && _jsx(DeskStats, { stats: stats.data }), _jsx(SelectField, { label: "Show rooms", value: status, onChange: (e) => setStatus(e.target.value), children: Object.keys(filterLabel).map((f) => (_jsx("option", { value: f, children: filterLabel[f] }, f))) }), _jsx(FormError, { error: rooms.error ?? actionError }), rooms.loading && !rooms.data && _jsx(Loading, { what: "support rooms" }), rooms.data && rooms.data.length === 0 && _jsxs("p", { children: ["No ", filterLabel[status].toLowerCase(), " rooms."] }), _jsx("ul", { className: "conversations desk", "aria-label": "Support rooms", children: rooms.data?.map((room) => (_jsxs("li", { className: "conversation-row desk-room", "data-testid": "support-room", children: [_jsxs(Link, { to: `/admin/support/${room.id}`, children: [_jsx("span", { className: "name", children: room.user.displayName }), " ", _jsxs("span", { className: "role", children: ["(", room.user.role, ")"] }), _jsx(Badge, { count: chat?.unread.byConversation[room.id] ?? room.unreadCount, label: "unread" }), room.lastMessage && _jsx("span", { className: "preview", children: room.lastMessage.deletedAt ? "Message deleted" : (room.lastMessage.text ?? "") })] }), _jsx("span", { className: "assigned", children: room.assignee ? `Assigned to ${room.assignee.displayName}` : "Unassigned" }), room.waitingSince && _jsxs("span", { className: "waiting", children: ["Waiting since ", formatTime(room.waitingSince)] }), room.closedAt && _jsxs("span", { className: "hint", children: ["Closed ", formatDateTime(room.closedAt)] }), room.status !== "closed" && (_jsx(AssignControl, { room: room, admins: admins.data ?? [], onAssign: (adminId) => void act(() => api.assignSupportRoom(room.id, adminId)) }))] }, room.id))) })] }));
}
function DeskStats({ stats }) {
    return (_jsxs("dl", { className: "stats", "aria-label": "Desk statistics", children: [_jsxs("div", { children: [_jsx("dt", { children: "Open" }), _jsx("dd", { children: stats.open })] }), _jsxs("div", { children: [_jsx("dt", { children: "Unassigned" }), _jsx("dd", { children: stats.unassigned })] }), _jsxs("div", { children: [_jsx("dt", { children: "Closed today" }), _jsx("dd", { children: stats.closedToday })] }), _jsxs("div", { children: [_jsx("dt", { children: "Messages today" }), _jsx("dd", { children: stats.messagesToday })] }), _jsxs("div", { children: [_jsx("dt", { children: "Median first response" }), _jsx("dd", { children: stats.medianFirstResponseSeconds === null ? "–" : formatDuration(stats.medianFirstResponseSeconds) })] }), _jsxs("div", { children: [_jsx("dt", { children: "Median resolution" }), _jsx("dd", { children: stats.medianResolutionSeconds === null ? "–" : formatDuration(stats.medianResolutionSeconds) })] })] }));
}
function AssignControl({ room, admins, onAssign }) {
    const me = useUser();
    const [target, setTarget] = useState("");
    const others = admins.filter((a) => !a.disabled && a.id !== room.assignee?.userId);
    return (_jsxs("span", { className: "row-actions", children: [room.assignee?.userId !== me.id && (_jsxs("button", { type: "button", onClick: () => onAssign(), children: ["Assign to me", _jsxs("span", { className: "visually-hidden", children: [" (", room.user.displayName, ")"] })] })), others.length > 0 && (_jsxs("form", { className: "inline", onSubmit: (e) => { e.preventDefault(); if (target)
                    onAssign(target); }, "aria-label": `Reassign ${room.user.displayName}`, children: [_jsxs(SelectField, { label: "Hand to", value: target, onChange: (e) => setTarget(e.target.value), children: [_jsx("option", { value: "", children: "Choose an admin" }), others.map((a) => (_jsx("option", { value: a.id, children: a.displayName }, a.id)))] }), _jsx("button", { type: "submit", disabled: !target, children: "Reassign" })] }))] }));
}
/** One support room from the desk: its chat plus assign and close. */
export function SupportRoomPage({ roomId }) {
    const api = useApi();
    const me = useUser();
    const room = useLoad(() => api.supportRoom(roomId), [api, roomId]);
    const [note, setNote] = useState("");
    const [actionError, setActionError] = useState(null);
    const reload = room.reload;
    useDeskRefresh(useCallback(() => void reload(), [reload]));
    const act = async (call) => {
        setActionError(null);
        try {
            room.setData(await call());
        }
        catch (e) {
            setActionError(e);
        }
    };
    if (room.error && !room.data)
        return _jsx(FormError, { error: room.error });
    if (!room.data)
        return _jsx(Loading, { what: "the support room" });
    const r = room.data;
    const closed = r.status === "closed";
    return (_jsxs("section", { className: "support-room", children: [_jsx("p", { children: _jsx(Link, { to: "/admin/support", children: "\u2190 Support desk" }) }), _jsxs("div", { className: "panel", children: [_jsxs("p", { children: [_jsx("strong", { children: r.user.displayName }), " ", _jsxs("span", { className: "role", children: ["(", r.user.role, ")"] }), " \u00B7 opened ", formatDateTime(r.openedAt), " \u00B7", " ", r.assignee ? `assigned to ${r.assignee.displayName}` : "unassigned"] }), closed && _jsxs(Notice, { children: ["Closed ", r.closedAt ? formatDateTime(r.closedAt) : "", r.closeNote ? `: ${r.closeNote}` : ""] }), _jsx(FormError, { error: actionError }), !closed && (_jsxs("div", { className: "actions", children: [r.assignee?.userId !== me.id && (_jsx("button", { type: "button", onClick: () => void act(() => api.assignSupportRoom(r.id)), children: "Assign to me" })), _jsxs("form", { className: "inline", "aria-label": "Close room", onSubmit: (e) => { e.preventDefault(); void act(() => api.closeSupportRoom(r.id, note.trim() || undefined)); }, children: [_jsx("label", { htmlFor: "close-note", children: "Internal note (optional)" }), _jsx("input", { id: "close-note", value: note, maxLength: 1000, onChange: (e) => setNote(e.target.value) }), _jsx("button", { type: "submit", className: "danger", children: "Close room" })] })] }))] }), _jsx(ChatView, { conversationId: r.id, title: r.user.displayName, readOnlyReason: closed ? "This room is closed. The user's next message opens a new one." : null })] }));
}
