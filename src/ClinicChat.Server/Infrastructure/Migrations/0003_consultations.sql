create table consultations (
    id uuid primary key,
    patient_id uuid not null references users (id),
    doctor_id uuid not null references users (id),
    status text not null check (status in ('awaiting_payment', 'paid', 'active', 'completed', 'cancelled')),
    fee bigint not null check (fee >= 0),
    starts_at timestamptz not null,
    ends_at timestamptz not null,
    conversation_id uuid references conversations (id),
    created_at timestamptz not null,
    paid_at timestamptz,
    accepted_at timestamptz,
    completed_at timestamptz,
    cancelled_at timestamptz,
    cancel_reason text,
    refund_due boolean not null default false,
    warning_sent_at timestamptz
);
create index consultations_patient_idx on consultations (patient_id, created_at desc);
create index consultations_doctor_idx on consultations (doctor_id, created_at desc);
create index consultations_doctor_time_idx on consultations (doctor_id, starts_at, ends_at) where status <> 'cancelled';
create unique index consultations_conversation_idx on consultations (conversation_id) where conversation_id is not null;
