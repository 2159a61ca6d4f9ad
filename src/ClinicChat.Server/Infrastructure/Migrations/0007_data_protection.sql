create table data_protection_keys (
    friendly_name text primary key,
    xml text not null,
    created_at timestamptz not null default now()
);
