-- Uploaded files. An upload belongs to a conversation from the start (only a member who may write there uploads)
-- and is linked to the message that carries it by message_id; null means uploaded but not sent yet, and such rows
-- are deleted after a day (Attachments:UnsentLifetime). stored turns true once the bytes are completely saved.
create table attachments (
    id uuid primary key,
    conversation_id uuid not null references conversations (id),
    uploader_id uuid not null references users (id),
    message_id uuid references messages (id),
    file_name text not null,
    content_type text not null,
    size bigint not null check (size >= 0),
    width integer,
    height integer,
    sha256 text not null,
    thumbnail_content_type text,
    thumbnail_size bigint,
    stored boolean not null default false,
    created_at timestamptz not null
);
create index attachments_message_idx on attachments (message_id) where message_id is not null;
create index attachments_unsent_idx on attachments (created_at) where message_id is null;
create index attachments_uploader_idx on attachments (uploader_id);
create index attachments_conversation_idx on attachments (conversation_id);

-- The default store's bytes: 256 KiB chunks per part ('file', 'thumbnail'). Images and PDFs are already
-- compressed, so the chunks skip PostgreSQL's compression attempt (storage external: out of line, uncompressed).
create table attachment_chunks (
    attachment_id uuid not null references attachments (id) on delete cascade,
    part text not null check (part in ('file', 'thumbnail')),
    n integer not null check (n >= 0),
    data bytea not null,
    primary key (attachment_id, part, n)
);
alter table attachment_chunks alter column data set storage external;
