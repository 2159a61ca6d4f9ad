-- Consultations: the deadlines the scheduler works from, stored so that a configuration change never moves
-- a deadline already promised to a patient or doctor.
alter table consultations
    add column payment_due_at timestamptz,
    add column accept_due_at timestamptz;
update consultations set payment_due_at = created_at where payment_due_at is null;
alter table consultations alter column payment_due_at set not null;
alter table consultations add constraint consultations_times_check check (ends_at > starts_at);
alter table consultations add constraint consultations_cancel_reason_check
    check (cancel_reason is null or cancel_reason in ('payment_timeout', 'payment_failed', 'declined', 'accept_timeout'));
alter table consultations add constraint consultations_paid_has_conversation_check
    check (status in ('awaiting_payment', 'cancelled') or conversation_id is not null);

-- The scheduler's claims: each scans only the rows in the state it moves out of.
create index consultations_payment_due_idx on consultations (payment_due_at) where status = 'awaiting_payment';
create index consultations_accept_due_idx on consultations (accept_due_at) where status = 'paid';
create index consultations_active_end_idx on consultations (ends_at) where status = 'active';
create index consultations_refund_idx on consultations (cancelled_at) where refund_due;

-- One row per payment attempt; order_id is what the gateway knows us by.
create table payments (
    id uuid primary key,
    consultation_id uuid not null references consultations (id),
    provider text not null check (provider in ('midtrans', 'simulated')),
    order_id text not null unique check (length(order_id) between 1 and 50),
    amount bigint not null check (amount >= 0),
    status text not null check (status in ('pending', 'paid', 'failed', 'expired')),
    gateway_status text,
    token text,
    redirect_url text,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    paid_at timestamptz
);
create index payments_consultation_idx on payments (consultation_id, created_at desc);

-- Every webhook body as received, before any check: the audit trail for disputes with the gateway.
create table payment_notifications (
    id bigint generated always as identity primary key,
    received_at timestamptz not null,
    provider text not null,
    order_id text,
    body text not null,
    outcome text
);
create index payment_notifications_order_idx on payment_notifications (order_id, received_at);

-- The simulated gateway's own ledger: what its "status API" answers from.
create table payment_simulator_orders (
    order_id text primary key,
    gross_amount bigint not null,
    transaction_status text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
