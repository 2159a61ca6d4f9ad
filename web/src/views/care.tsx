import { useEffect } from "react";
import { ApiError } from "../api/problem";
import type { CarePatient } from "../api/types";
import { Badge, FormError, Loading, Notice, PresenceDot } from "../components/ui";
import { useApi, useChat } from "../context";
import { formatTime, messagePreview } from "../format";
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
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  }, [api]);
  // An assignment made while this page is open announces itself with the conversation's first events.
  useEffect(() => (chat && !data ? chat.hub.on("unreadChanged", () => void reload()) : undefined), [chat, data, reload]);

  if (error) return <FormError error={error} />;
  if (loading && !data) return <Loading what="your nurse chat" />;
  if (!data) {
    return (
      <section>
        <h1>My nurse</h1>
        <Notice>
          No nurse or midwife has been assigned to you yet. The clinic will assign one; meanwhile you can ask <Link to="/support">support</Link>.
        </Notice>
      </section>
    );
  }
  return <ChatView key={data.conversationId} conversationId={data.conversationId} title={`${data.displayName} (${data.role === "nurse" ? "your nurse" : data.role})`} />;
}

/** The nurse's assigned patients: one care chat each, unread badges kept live by unreadChanged. */
export function CarePatients() {
  const api = useApi();
  const chat = useChat();
  const { data, error, loading, reload } = useLoad(() => api.carePatients(), [api]);

  useEffect(() => {
    if (chat && data) chat.seedUnread(data.map((p) => ({ id: p.conversationId, unreadCount: p.unreadCount })));
  }, [chat, data]);
  // A new message (its preview), a newly assigned patient, or a reconnect after missed events: re-read the list.
  useEffect(() => {
    if (!chat) return;
    const offs = [chat.hub.on("unreadChanged", () => void reload()), chat.hub.onReconnected(() => void reload())];
    return () => offs.forEach((off) => off());
  }, [chat, reload]);

  return (
    <section>
      <h1>My patients</h1>
      <FormError error={error} />
      {loading && !data && <Loading what="your patients" />}
      {data && data.length === 0 && <p>No patients are assigned to you yet.</p>}
      <ul className="conversations" aria-label="Patients">
        {data?.map((p) => (
          <PatientRow key={p.patientId} patient={p} unread={chat?.unread.byConversation[p.conversationId] ?? p.unreadCount}
            online={chat?.isOnline(p.patientId) ?? p.online} />
        ))}
      </ul>
    </section>
  );
}

function PatientRow({ patient: p, unread, online }: { patient: CarePatient; unread: number; online: boolean }) {
  const last = p.lastMessage;
  return (
    <li className="conversation-row" data-testid="patient-row">
      <Link to={`/chat/${p.conversationId}`}>
        <PresenceDot online={online} /> <span className="name">{p.displayName}</span>
        <Badge count={unread} label="unread" />
        {last && (
          <span className="preview">
            {messagePreview(last)} <time dateTime={last.createdAt}>{formatTime(last.createdAt)}</time>
          </span>
        )}
      </Link>
    </li>
  );
}
