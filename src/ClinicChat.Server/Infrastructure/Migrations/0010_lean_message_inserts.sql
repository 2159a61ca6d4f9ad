-- Every send inserts one messages row, so whatever else an insert sets off is paid thousands of times a second.
-- Measured per inserted row on the benchmark machine (PostgreSQL 15, batches of 50): the two foreign keys 12 us
-- (each a row lock on the parent, so the sender's users row was rewritten on every message), the sender index
-- 12 us, and the statement trigger that kept the unread counters about 0.2 ms per statement (its two updates are
-- planned, started and run on every insert statement; at the batch sizes of moderate load that was a fifth of the
-- whole send). All three go; what they guaranteed is now kept by the two statements that insert messages.

-- Both parents are already guaranteed: every insert takes its seq from an update of the conversation row in the same
-- statement (so the conversation exists, and is locked), and every sender is a member whose own foreign key holds.
-- Neither users nor conversations are ever deleted: accounts are disabled and conversations closed.
alter table messages drop constraint messages_conversation_id_fkey;
alter table messages drop constraint messages_sender_id_fkey;

-- No query looks messages up by sender alone: each one names the conversation first, which
-- messages_client_id_key (conversation_id, sender_id, client_message_id) serves.
drop index messages_sender_idx;

-- The counters of migration 0009 (conversations.countable_total, conversation_members.own_unread) are now bumped by
-- the inserting statements themselves (MessageWriter, MessageLog), in the same row updates they already make.
-- Deletion, the read watermark and joining keep their triggers: they are rare or one row at a time.
drop trigger messages_count_added on messages;
drop function messages_count_added();
