-- Refunds through the gateway. Each attempt is stored (status 'pending', with its refund_key) before the gateway is
-- called, so an answer lost to a crash or a timeout is recovered by retrying with the same key: Midtrans treats a
-- repeated refund_key as the same refund, never a second one.
create table refunds (
    id uuid primary key,
    consultation_id uuid not null references consultations (id),
    payment_id uuid not null references payments (id),
    refund_key text not null unique check (refund_key ~ '^[A-Za-z0-9_-]{1,50}$'),
    amount bigint not null check (amount > 0),
    reason text not null,
    status text not null check (status in ('pending', 'succeeded', 'failed')),
    requested_by uuid references users (id),
    gateway_status_code text,
    gateway_message text,
    chargeback_id text,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    refunded_at timestamptz,
    check ((status = 'succeeded') = (refunded_at is not null))
);
-- At most one attempt in flight or done per consultation: a second would be a second refund.
create unique index refunds_one_live_idx on refunds (consultation_id) where status in ('pending', 'succeeded');
create index refunds_history_idx on refunds (created_at desc);

-- Patients may cancel their own bookings; a cancelled Snap transaction and a refunded payment are payment states too.
alter table consultations drop constraint consultations_cancel_reason_check;
alter table consultations add constraint consultations_cancel_reason_check
    check (cancel_reason is null or cancel_reason in ('payment_timeout', 'payment_failed', 'declined', 'accept_timeout', 'patient_cancelled'));
alter table payments drop constraint payments_status_check;
alter table payments add constraint payments_status_check
    check (status in ('pending', 'paid', 'failed', 'expired', 'cancelled', 'refunded'));

-- The simulated gateway remembers the refund it made, so a repeated refund_key answers the same refund.
alter table payment_simulator_orders
    add column refund_key text,
    add column refund_amount bigint;
