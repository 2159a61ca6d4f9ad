import { jsx as _jsx, jsxs as _jsxs } from "react/jsx-runtime";
import { useEffect } from "react";
import { ApiError } from "../api/problem";
import { Badge, FormError, Loading, Notice, PresenceDot } from "../components/ui";
import { useApi, useChat } from "../context";
import { formatTime } from "../format";
import { useLoad } from "../hooks";
import { Link } from "../router";
import { ChatView } from "./chat";
/** The patient's chat with their assigned nurse or midwife (GET /care/nurse; 404 while none is assigned). */
export function MyNurse() {
    const api = useApi();
    const chat = useChat();
    const { data, error, loading, reload } = useLoad(async () => {
        try {
            return await api.careNurse();
        }
        catch (e) {
            if (e instanceof ApiError && e.status === 404)
                return null;
            throw e;
        }
    }, [api]);
    // An assignment made while this page is open announces itself with the conversation's first events.
    useEffect(() => (chat && !data ? chat.hub.on("unreadChanged", () => void reload()) : undefined), [chat, data, reload]);
    if (error)
        return _jsx(FormError, { error: error });
    if (loading && !data)
        return _jsx(Loading, { what: "your nurse chat" });
    if (!data) {
        return (_jsxs("section", { children: [_jsx("h1", { children: "My nurse" }), _jsxs(Notice, { children: ["No nurse or midwife has been assigned to you yet. The clinic will assign one; meanwhile you can ask ", _jsx(Link, { to: "/support", children: "support" }), "."] })] }));
    }
    return _jsx(ChatView, { conversationId: data.conversationId, title: `${data.displayName} (${data.role === "nurse" ? "your nurse" : data.role})` }, data.conversationId);
}
/** The nurse's assigned patients: one care chat each, unread badges kept live by unreadChanged. */
export function CarePatients() {
    const api = useApi();
    const chat = useChat();
    const { data, error, loading, reload } = useLoad(() => api.carePatients(), [api]);
    useEffect(() => {
        if (chat && data)
            chat.seedUnread(data.map((p) => ({ id: p.conversationId, unreadCount: p.unreadCount })));
    }, [chat, data]);
    // A new message (its preview), a newly assigned patient, or a reconnect after missed events: re-read the list.
    useEffect(() => {
        if (!chat)
            return;
        const offs = [chat.hub.on("unreadChanged", () => void reload()), chat.hub.onReconnected(() => void reload())];
        return () => offs.forEach((off) => off());
    }, [chat, reload]);
    return (_jsxs("section", { children: [_jsx("h1", { children: "My patients" }), _jsx(FormError, { error: error }), loading && !data && _jsx(Loading, { what: "your patients" }), data && data.length === 0 && _jsx("p", { children: "No patients are assigned to you yet." }), _jsx("ul", { className: "conversations", "aria-label": "Patients", children: data?.map((p) => (_jsx(PatientRow, { patient: p, unread: chat?.unread.byConversation[p.conversationId] ?? p.unreadCount, online: chat?.isOnline(p.patientId) ?? p.online }, p.patientId))) })] }));
}
function PatientRow({ patient: p, unread, online }) {
    const last = p.lastMessage;
    return (_jsx("li", { className: "conversation-row", "data-testid": "patient-row", children: _jsxs(Link, { to: `/chat/${p.conversationId}`, children: [_jsx(PresenceDot, { online: online }), " ", _jsx("span", { className: "name", children: p.displayName }), _jsx(Badge, { count: unread, label: "unread" }), last && (_jsxs("span", { className: "preview", children: [last.deletedAt ? "Message deleted" : (last.text ?? ""), " ", _jsx("time", { dateTime: last.createdAt, children: formatTime(last.createdAt) })] }))] }) }));
}
