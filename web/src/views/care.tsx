import { useEffect } from "react";
import type { Conversation } from "../api/types";
import { Badge, FormError, Loading, Notice } from "../components/ui";
import { useApi, useChat, useUser } from "../context";
import { useLoad } from "../hooks";
import { Link } from "../router";
import { ChatView } from "./chat";

/** The patient's chat with their assigned nurse or midwife (created by the clinic on assignment). */
export function MyNurse() {
  const api = useApi();
  const chat = useChat();
  const { data, error, loading, reload } = useLoad(() => api.conversations(), [api]);
  // An assignment made while this page is open shows up with the first message.
  useEffect(() => (chat ? chat.hub.on("messageCreated", (m) => !data?.some((c) => c.id === m.conversationId) && void reload()) : undefined), [chat, data, reload]);

  const care = data?.find((c) => c.kind === "care");
  if (error) return <FormError error={error} />;
  if (loading && !data) return <Loading what="your nurse chat" />;
  if (!care) {
    return (
      <section>
        <h1>My nurse</h1>
        <Notice>No nurse or midwife has been assigned to you yet. The clinic will assign one; you can also ask <Link to="/support">support</Link>.</Notice>
      </section>
    );
  }
  return <ChatView conversationId={care.id} />;
}

/** The nurse's assigned patients: one care conversation each, with unread badges kept live by unreadChanged. */
export function CarePatients() {
  const api = useApi();
  const chat = useChat();
  const user = useUser();
  const { data, error, loading, reload } = useLoad(() => api.conversations(), [api]);
  const care = data?.filter((c) => c.kind === "care") ?? [];

  useEffect(() => {
    if (chat && data) chat.seedUnread(data);
  }, [chat, data]);
  useEffect(() => (chat ? chat.hub.on("messageCreated", (m) => !data?.some((c) => c.id === m.conversationId) && void reload()) : undefined), [chat, data, reload]);

  return (
    <section>
      <h1>My patients</h1>
      <FormError error={error} />
      {loading && !data && <Loading what="your patients" />}
      {data && care.length === 0 && <p>No patients are assigned to you yet.</p>}
      <ul className="conversations" aria-label="Patients">
        {care.map((c) => (
          <ConversationRow key={c.id} conversation={c} selfId={user.id} unread={chat?.unread.byConversation[c.id] ?? c.unreadCount} />
        ))}
      </ul>
    </section>
  );
}

export function ConversationRow({ conversation: c, selfId, unread }: { conversation: Conversation; selfId: string; unread: number }) {
  const others = c.members.filter((m) => m.userId !== selfId).map((m) => m.displayName).join(", ") || "Conversation";
  const last = c.lastMessage;
  return (
    <li className="conversation-row">
      <Link to={`/chat/${c.id}`}>
        <span className="name">{others}</span>
        <Badge count={unread} label="unread" />
        {last && <span className="preview">{last.deletedAt ? "Message deleted" : (last.text ?? "")}</span>}
      </Link>
    </li>
  );
}
