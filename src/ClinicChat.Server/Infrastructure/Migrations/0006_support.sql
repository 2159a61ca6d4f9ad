-- One row per support room; the chat itself lives in conversations/messages (kind 'support').
-- A user's later message after close opens a fresh room, so a user has many rows but at most one open.
create table support_rooms (
    conversation_id uuid primary key references conversations (id),
    user_id uuid not null references users (id),
    assigned_admin_id uuid references users (id),
    opened_at timestamptz not null,
    assigned_at timestamptz,
    closed_at timestamptz,
    closed_by uuid references users (id),
    close_note text
);
create unique index support_rooms_one_open_per_user_idx on support_rooms (user_id) where closed_at is null;
create index support_rooms_open_assignee_idx on support_rooms (assigned_admin_id) where closed_at is null;
create index support_rooms_queue_idx on support_rooms (opened_at) where closed_at is null and assigned_admin_id is null;
create index support_rooms_closed_idx on support_rooms (closed_at) where closed_at is not null;
create index support_rooms_opened_idx on support_rooms (opened_at);
-- A user's rooms: their current room, and idempotent support sends across rooms.
create index support_rooms_user_idx on support_rooms (user_id, opened_at desc);

-- Round robin among equally loaded admins: the one whose last assignment is oldest goes first. A sequence
-- rather than a timestamp, because many assignments share one clock tick.
create sequence support_assignment_seq;
create table support_desk_admins (
    admin_id uuid primary key references users (id),
    last_assignment_no bigint not null
);
