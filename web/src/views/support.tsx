import { useEffect, useState } from "react";
import type { Conversation } from "../api/types";
import { Badge, FormError, Loading, SelectField } from "../components/ui";
import { useApi, useChat, useUser } from "../context";
import { useLoad } from "../hooks";
import { Link } from "../router";
import { ChatView } from "./chat";

/** Any user's room with the clinic's support desk: opened (or found) on arrival. */
export function SupportChat() {
  const api = useApi();
  const { data: room, error } = useLoad(() => api.openSupportRoom(), [api]);
  if (error) return <FormError error={error} />;
  if (!room) return <Loading what="support chat" />;
  return <ChatView conversationId={room.id} title="Clinic support" />;
}

/** The admins' desk: rooms by status, assignment, closing and the desk's numbers, kept live by supportRoomUpdated. */
export function SupportDesk() {
  const api = useApi();
  const chat = useChat();
  const me = useUser();
  const [status, setStatus] = useState("open");
  const rooms = useLoad(() => api.supportRooms(status), [api, status]);
  const stats = useLoad(() => api.supportStats(), [api]);
  const [actionError, setActionError] = useState<unknown>(null);
  const { data, setData } = rooms;

  useEffect(() => {
    if (!chat) return;
    return chat.hub.on("supportRoomUpdated", (room: Conversation) => {
      const list = data ?? [];
      const i = list.findIndex((r) => r.id === room.id);
      const fits = room.status === status;
      setData(i >= 0 ? (fits ? list.with(i, room) : list.filter((r) => r.id !== room.id)) : fits ? [room, ...list] : list);
    });
  }, [chat, data, setData, status]);

  const act = async (call: () => Promise<Conversation>) => {
    setActionError(null);
    try {
      await call();
      await rooms.reload();
      await stats.reload();
    } catch (e) {
      setActionError(e);
    }
  };

  return (
    <section>
      <h1>Support desk</h1>
      {stats.data && (
        <dl className="stats" aria-label="Desk statistics">
          {Object.entries(stats.data).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{typeof v === "object" ? JSON.stringify(v) : String(v)}</dd>
            </div>
          ))}
        </dl>
      )}
      <SelectField label="Rooms" value={status} onChange={(e) => setStatus(e.target.value)}>
        <option value="open">Open</option>
        <option value="closed">Closed</option>
      </SelectField>
      <FormError error={rooms.error ?? actionError} />
      {rooms.loading && !data && <Loading what="support rooms" />}
      {data && data.length === 0 && <p>No {status} rooms.</p>}
      <ul className="conversations" aria-label="Support rooms">
        {data?.map((room) => {
          const user = room.members.find((m) => m.role !== "admin");
          const assigned = room.members.filter((m) => m.role === "admin").map((m) => m.displayName).join(", ");
          return (
            <li key={room.id} className="conversation-row">
              <Link to={`/chat/${room.id}`}>
                <span className="name">{user?.displayName ?? "User"}</span> <span className="role">({user?.role})</span>
                <Badge count={chat?.unread.byConversation[room.id] ?? room.unreadCount} label="unread" />
              </Link>
              <span className="assigned">{assigned ? `Assigned: ${assigned}` : "Unassigned"}</span>
              <span className="row-actions">
                <button type="button" onClick={() => void act(() => api.assignSupportRoom(room.id, me.id))}>
                  Assign to me
                </button>
                {room.status !== "closed" && (
                  <button type="button" onClick={() => void act(() => api.closeSupportRoom(room.id))}>
                    Close
                  </button>
                )}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
