create table conversations (
    id uuid primary key,
    kind text not null check (kind in ('consultation', 'care', 'support')),
    status text not null default 'open' check (status in ('open', 'read_only', 'closed')),
    created_at timestamptz not null,
    last_activity_at timestamptz not null,
    last_seq bigint not null default 0
);
create index conversations_kind_status_idx on conversations (kind, status, last_activity_at desc);

create table conversation_members (
    conversation_id uuid not null references conversations (id),
    user_id uuid not null references users (id),
    joined_at timestamptz not null,
    last_read_seq bigint not null default 0,
    last_delivered_seq bigint not null default 0,
    primary key (conversation_id, user_id)
);
create index conversation_members_user_idx on conversation_members (user_id, conversation_id);

create table messages (
    id uuid primary key,
    conversation_id uuid not null references conversations (id),
    seq bigint not null,
    sender_id uuid references users (id),
    kind text not null check (kind in ('text', 'image', 'file', 'system')),
    text text,
    client_message_id text,
    created_at timestamptz not null,
    deleted_at timestamptz,
    -- 'simple' does no stemming, so Indonesian and English words match alike.
    search tsvector generated always as (to_tsvector('simple', coalesce(text, ''))) stored,
    constraint messages_conversation_seq_key unique (conversation_id, seq),
    constraint messages_client_id_key unique (conversation_id, sender_id, client_message_id)
);
create index messages_search_idx on messages using gin (search);
create index messages_sender_idx on messages (sender_id, created_at);

-- One care pair per (patient, nurse); the current assignment is the row with ended_at null.
create table care_assignments (
    id uuid primary key,
    patient_id uuid not null references users (id),
    nurse_id uuid not null references users (id),
    conversation_id uuid not null references conversations (id),
    assigned_at timestamptz not null,
    ended_at timestamptz,
    constraint care_assignments_pair_key unique (patient_id, nurse_id)
);
create unique index care_assignments_current_idx on care_assignments (patient_id) where ended_at is null;
create index care_assignments_nurse_idx on care_assignments (nurse_id) where ended_at is null;
