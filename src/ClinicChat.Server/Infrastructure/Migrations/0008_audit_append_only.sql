-- The audit log is append-only for every database user, the application's own included: a bug or a stolen
-- connection cannot rewrite who read or changed a clinical record. Removing it takes a migration.
create function audit_log_refuse_change() returns trigger language plpgsql as $$
begin
    raise exception 'audit_log is append-only: % is not allowed', tg_op
        using errcode = 'insufficient_privilege';
end
$$;

create trigger audit_log_no_update_or_delete before update or delete on audit_log
    for each row execute function audit_log_refuse_change();

create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_log_refuse_change();
