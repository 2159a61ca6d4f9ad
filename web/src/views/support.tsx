import { useCallback, useEffect, useState } from "react";
import type { SupportRoom, SupportRoomFilter, SupportStats } from "../api/types";
import { Badge, FormError, Loading, Notice, SelectField } from "../components/ui";
import { useApi, useChat, useUser } from "../context";
import { formatDateTime, formatDuration, formatTime, messagePreview } from "../format";
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
  const [startError, setStartError] = useState<unknown>(null);
  if (error) return <FormError error={error} />;
  if (!room) return <Loading what="support chat" />;

  const status = chat?.get(room.id)?.conversation?.status ?? room.status;
  const closed = status === "closed";
  const startNew = async () => {
    setStarting(true);
    setStartError(null);
    try {
      setData(await api.openSupportRoom());
    } catch (e) {
      setStartError(e);
    } finally {
      setStarting(false);
    }
  };
  return (
    <>
      <ChatView
        key={room.id}
        conversationId={room.id}
        title="Clinic support"
        readOnlyReason={closed ? "The support desk closed this conversation." : null}
      />
      {closed && (
        <div className="panel">
          <FormError error={startError} />
          <button type="button" className="primary" disabled={starting} onClick={() => void startNew()}>
            Start a new conversation
          </button>
        </div>
      )}
    </>
  );
}

const filterLabel: Record<SupportRoomFilter, string> = { open: "Open", unassigned: "Unassigned", closed: "Closed" };

/** Keeps the desk's lists and numbers live: supportRoomUpdated goes to every online admin on any change. */
function useDeskRefresh(refresh: () => void) {
  const chat = useChat();
  useEffect(() => {
    if (!chat) return;
    const offs = [chat.hub.on("supportRoomUpdated", () => refresh()), chat.hub.onReconnected(() => refresh())];
    return () => offs.forEach((off) => off());
  }, [chat, refresh]);
}

/** The admins' desk: the queue by status, assignment, closing and the desk's numbers. */
export function SupportDesk() {
  const api = useApi();
  const chat = useChat();
  const [status, setStatus] = useState<SupportRoomFilter>("open");
  const rooms = useLoad(() => api.supportRooms(status), [api, status]);
  const stats = useLoad(() => api.supportStats(), [api]);
  const admins = useLoad(() => api.listUsers("admin"), [api]);
  const [actionError, setActionError] = useState<unknown>(null);
  const reloadRooms = rooms.reload;
  const reloadStats = stats.reload;
  const refresh = useCallback(() => {
    void reloadRooms();
    void reloadStats();
  }, [reloadRooms, reloadStats]);
  useDeskRefresh(refresh);

  const act = async (call: () => Promise<SupportRoom>) => {
    setActionError(null);
    try {
      await call();
      refresh();
    } catch (e) {
      setActionError(e);
    }
  };

  return (
    <section>
      <h1>Support desk</h1>
      {stats.data && <DeskStats stats={stats.data} />}
      <SelectField label="Show rooms" value={status} onChange={(e) => setStatus(e.target.value as SupportRoomFilter)}>
        {(Object.keys(filterLabel) as SupportRoomFilter[]).map((f) => (
          <option key={f} value={f}>
            {filterLabel[f]}
          </option>
        ))}
      </SelectField>
      <FormError error={rooms.error ?? actionError} />
      {rooms.loading && !rooms.data && <Loading what="support rooms" />}
      {rooms.data && rooms.data.length === 0 && <p>No {filterLabel[status].toLowerCase()} rooms.</p>}
      <ul className="conversations desk" aria-label="Support rooms">
        {rooms.data?.map((room) => (
          <li key={room.id} className="conversation-row desk-room" data-testid="support-room">
            <Link to={`/admin/support/${room.id}`}>
              <span className="name">{room.user.displayName}</span> <span className="role">({room.user.role})</span>
              <Badge count={chat?.unread.byConversation[room.id] ?? room.unreadCount} label="unread" />
              {room.lastMessage && <span className="preview">{messagePreview(room.lastMessage)}</span>}
            </Link>
            <span className="assigned">{room.assignee ? `Assigned to ${room.assignee.displayName}` : "Unassigned"}</span>
            {room.waitingSince && <span className="waiting">Waiting since {formatTime(room.waitingSince)}</span>}
            {room.closedAt && <span className="hint">Closed {formatDateTime(room.closedAt)}</span>}
            {room.status !== "closed" && (
              <AssignControl room={room} admins={admins.data ?? []} onAssign={(adminId) => void act(() => api.assignSupportRoom(room.id, adminId))} />
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function DeskStats({ stats }: { stats: SupportStats }) {
  return (
    <dl className="stats" aria-label="Desk statistics">
      <div>
        <dt>Open</dt>
        <dd>{stats.open}</dd>
      </div>
      <div>
        <dt>Unassigned</dt>
        <dd>{stats.unassigned}</dd>
      </div>
      <div>
        <dt>Closed today</dt>
        <dd>{stats.closedToday}</dd>
      </div>
      <div>
        <dt>Messages today</dt>
        <dd>{stats.messagesToday}</dd>
      </div>
      <div>
        <dt>Median first response</dt>
        <dd>{stats.medianFirstResponseSeconds === null ? "–" : formatDuration(stats.medianFirstResponseSeconds)}</dd>
      </div>
      <div>
        <dt>Median resolution</dt>
        <dd>{stats.medianResolutionSeconds === null ? "–" : formatDuration(stats.medianResolutionSeconds)}</dd>
      </div>
    </dl>
  );
}

function AssignControl({ room, admins, onAssign }: { room: SupportRoom; admins: { id: string; displayName: string; disabled: boolean }[]; onAssign: (adminId?: string) => void }) {
  const me = useUser();
  const [target, setTarget] = useState("");
  const others = admins.filter((a) => !a.disabled && a.id !== room.assignee?.userId);
  return (
    <span className="row-actions">
      {room.assignee?.userId !== me.id && (
        <button type="button" onClick={() => onAssign()}>
          Assign to me<span className="visually-hidden"> ({room.user.displayName})</span>
        </button>
      )}
      {others.length > 0 && (
        <form className="inline" onSubmit={(e) => { e.preventDefault(); if (target) onAssign(target); }} aria-label={`Reassign ${room.user.displayName}`}>
          <SelectField label="Hand to" value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="">Choose an admin</option>
            {others.map((a) => (
              <option key={a.id} value={a.id}>
                {a.displayName}
              </option>
            ))}
          </SelectField>
          <button type="submit" disabled={!target}>
            Reassign
          </button>
        </form>
      )}
    </span>
  );
}

/** One support room from the desk: its chat plus assign and close. */
export function SupportRoomPage({ roomId }: { roomId: string }) {
  const api = useApi();
  const me = useUser();
  const room = useLoad(() => api.supportRoom(roomId), [api, roomId]);
  const [note, setNote] = useState("");
  const [actionError, setActionError] = useState<unknown>(null);
  const reload = room.reload;
  useDeskRefresh(useCallback(() => void reload(), [reload]));

  const act = async (call: () => Promise<SupportRoom>) => {
    setActionError(null);
    try {
      room.setData(await call());
    } catch (e) {
      setActionError(e);
    }
  };

  if (room.error && !room.data) return <FormError error={room.error} />;
  if (!room.data) return <Loading what="the support room" />;
  const r = room.data;
  const closed = r.status === "closed";
  return (
    <section className="support-room">
      <p>
        <Link to="/admin/support">← Support desk</Link>
      </p>
      <div className="panel">
        <p>
          <strong>{r.user.displayName}</strong> <span className="role">({r.user.role})</span> · opened {formatDateTime(r.openedAt)} ·{" "}
          {r.assignee ? `assigned to ${r.assignee.displayName}` : "unassigned"}
        </p>
        {closed && <Notice>Closed {r.closedAt ? formatDateTime(r.closedAt) : ""}{r.closeNote ? `: ${r.closeNote}` : ""}</Notice>}
        <FormError error={actionError} />
        {!closed && (
          <div className="actions">
            {r.assignee?.userId !== me.id && (
              <button type="button" onClick={() => void act(() => api.assignSupportRoom(r.id))}>
                Assign to me
              </button>
            )}
            <form className="inline" aria-label="Close room" onSubmit={(e) => { e.preventDefault(); void act(() => api.closeSupportRoom(r.id, note.trim() || undefined)); }}>
              <label htmlFor="close-note">Internal note (optional)</label>
              <input id="close-note" value={note} maxLength={1000} onChange={(e) => setNote(e.target.value)} />
              <button type="submit" className="danger">
                Close room
              </button>
            </form>
          </div>
        )}
      </div>
      <ChatView conversationId={r.id} title={r.user.displayName} readOnlyReason={closed ? "This room is closed. The user's next message opens a new one." : null} />
    </section>
  );
}
