create table users (
    id uuid primary key,
    email text not null,
    email_normalized text not null unique,
    display_name text not null,
    role text not null check (role in ('patient', 'doctor', 'nurse', 'admin')),
    password_hash text not null,
    disabled_at timestamptz,
    failed_logins int not null default 0,
    locked_until timestamptz,
    created_at timestamptz not null
);
create index users_role_idx on users (role, created_at);

create table sessions (
    id uuid primary key,
    user_id uuid not null references users (id),
    refresh_token_id uuid not null,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    revoked_at timestamptz
);
create index sessions_user_active_idx on sessions (user_id) where revoked_at is null;

create table doctor_profiles (
    doctor_id uuid primary key references users (id),
    specialty text not null default '',
    fee bigint not null default 0 check (fee >= 0),
    bio text not null default '',
    capacity int not null default 1 check (capacity >= 1)
);

create table doctor_schedule (
    doctor_id uuid not null references users (id),
    day_of_week smallint not null check (day_of_week between 0 and 6),
    start_time time not null,
    end_time time not null check (end_time > start_time),
    primary key (doctor_id, day_of_week, start_time)
);

-- Append-only: the application only inserts; see docs/architecture.md.
create table audit_log (
    id bigint generated always as identity primary key,
    at timestamptz not null,
    actor_id uuid,
    action text not null,
    target_type text not null,
    target_id text not null,
    detail jsonb
);
create index audit_log_target_idx on audit_log (target_type, target_id, at);
