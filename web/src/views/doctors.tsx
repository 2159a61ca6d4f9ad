import { useEffect, useState } from "react";
import type { Doctor, ScheduleEntry } from "../api/types";
import { Field, FormError, fieldError, Loading, Notice, PresenceDot, SelectField, TextAreaField } from "../components/ui";
import { useApi, useChat, useUser } from "../context";
import { formatIdr, weekDays } from "../format";
import { useLoad, useSubmit } from "../hooks";
import { Link } from "../router";

export function DoctorsList() {
  const api = useApi();
  const user = useUser();
  const chat = useChat();
  const { data, error, loading, reload } = useLoad(() => api.doctors(), [api]);
  // availableNow follows the clinic's wall clock and online follows connections: re-read now and then, and after
  // a reconnect; presence events refine "online" for doctors I share a conversation with.
  useEffect(() => {
    const t = setInterval(() => void reload(), 60_000);
    const off = chat?.hub.onReconnected(() => void reload());
    return () => {
      clearInterval(t);
      off?.();
    };
  }, [chat, reload]);

  return (
    <section>
      <h1>Doctors</h1>
      <FormError error={error} />
      {loading && !data && <Loading what="doctors" />}
      {data && data.length === 0 && <p>No doctors are listed yet.</p>}
      <ul className="cards" aria-label="Doctors">
        {data?.map((d) => (
          <li key={d.id} className="card doctor" data-testid="doctor-card">
            <div className="card-head">
              <h2>
                {d.displayName} <PresenceDot online={chat?.isOnline(d.id) ?? d.online} />
              </h2>
              <span className={`availability ${d.availableNow ? "yes" : "no"}`}>
                {d.availableNow ? "Available now" : "Not available now"}
              </span>
            </div>
            <p className="specialty">{d.specialty || "General practice"}</p>
            <p className="fee">
              <span className="visually-hidden">Fee: </span>
              {formatIdr(d.fee)}
            </p>
            {d.bio && <p className="bio">{d.bio}</p>}
            <ScheduleSummary schedule={d.schedule} />
            {user.role === "patient" && (
              <Link className="button primary" to={`/doctors/${d.id}/book`}>
                Book a consultation<span className="visually-hidden"> with {d.displayName}</span>
              </Link>
            )}
            {user.role === "admin" && (
              <Link className="button" to={`/admin/doctors/${d.id}`}>
                Edit<span className="visually-hidden"> {d.displayName}</span>
              </Link>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function ScheduleSummary({ schedule }: { schedule: ScheduleEntry[] }) {
  if (schedule.length === 0) return <p className="schedule">No working hours set.</p>;
  return (
    <details className="schedule">
      <summary>Working hours (clinic time)</summary>
      <ul>
        {schedule.map((s, i) => (
          <li key={i}>
            {s.dayOfWeek} {s.start}–{s.end}
          </li>
        ))}
      </ul>
    </details>
  );
}

/** Profile and weekly schedule of one doctor: used by the doctor for themselves and by admins for anyone. */
export function DoctorEditor({ doctor, onSaved }: { doctor: Doctor; onSaved: (d: Doctor) => void }) {
  return (
    <>
      <ProfileForm doctor={doctor} onSaved={onSaved} />
      <ScheduleForm doctor={doctor} onSaved={(schedule) => onSaved({ ...doctor, schedule })} />
    </>
  );
}

function ProfileForm({ doctor, onSaved }: { doctor: Doctor; onSaved: (d: Doctor) => void }) {
  const api = useApi();
  const [specialty, setSpecialty] = useState(doctor.specialty);
  const [fee, setFee] = useState(String(doctor.fee));
  const [bio, setBio] = useState(doctor.bio);
  const [saved, setSaved] = useState(false);

  const { submit, busy, error } = useSubmit(async () => {
    setSaved(false);
    const feeNumber = fee.trim() === "" ? Number.NaN : Number(fee.replace(/[.\s]/g, ""));
    const updated = await api.updateProfile(doctor.id, { specialty, fee: Number.isFinite(feeNumber) ? feeNumber : null, bio });
    onSaved(updated);
    setSaved(true);
  });

  return (
    <form onSubmit={submit} noValidate aria-label="Profile" className="panel">
      <h2>Profile</h2>
      <FormError error={error} />
      {saved && <Notice tone="success">Profile saved.</Notice>}
      <Field label="Specialty" name="specialty" maxLength={100} value={specialty} onChange={(e) => setSpecialty(e.target.value)}
        error={fieldError(error, "specialty")} />
      <Field label="Fee (IDR)" name="fee" inputMode="numeric" value={fee} onChange={(e) => setFee(e.target.value)}
        hint={/^\d+$/.test(fee) ? `Shown to patients as ${formatIdr(Number(fee))}` : "A whole rupiah amount, e.g. 150000"}
        error={fieldError(error, "fee")} />
      <TextAreaField label="Bio" name="bio" rows={3} maxLength={2000} value={bio} onChange={(e) => setBio(e.target.value)}
        error={fieldError(error, "bio")} />
      <button type="submit" className="primary" disabled={busy}>
        Save profile
      </button>
    </form>
  );
}

function ScheduleForm({ doctor, onSaved }: { doctor: Doctor; onSaved: (s: ScheduleEntry[]) => void }) {
  const api = useApi();
  const [rows, setRows] = useState<ScheduleEntry[]>(doctor.schedule);
  const [saved, setSaved] = useState(false);

  const change = (i: number, patch: Partial<ScheduleEntry>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  const { submit, busy, error } = useSubmit(async () => {
    setSaved(false);
    const schedule = await api.updateSchedule(doctor.id, rows);
    setRows(schedule);
    onSaved(schedule);
    setSaved(true);
  });

  // Schedule errors are keyed "[index].field" (or "[index]" for overlaps).
  const rowError = (i: number, field?: string) => fieldError(error, field ? `[${i}].${field}` : `[${i}]`);

  return (
    <form onSubmit={submit} noValidate aria-label="Weekly schedule" className="panel">
      <h2>Weekly schedule</h2>
      <p className="hint">Hours are in the clinic's time zone.</p>
      <FormError error={error} />
      {saved && <Notice tone="success">Schedule saved.</Notice>}
      {rows.length === 0 && <p>No working hours: patients cannot book.</p>}
      <ol className="schedule-rows">
        {rows.map((r, i) => (
          <li key={i} className="schedule-row">
            <fieldset>
              <legend>Interval {i + 1}</legend>
              <SelectField label="Day" value={r.dayOfWeek} onChange={(e) => change(i, { dayOfWeek: e.target.value })} error={rowError(i, "dayOfWeek")}>
                {weekDays.map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </SelectField>
              <Field label="From" type="time" value={r.start} onChange={(e) => change(i, { start: e.target.value })} error={rowError(i, "start")} />
              <Field label="To" type="time" value={r.end} onChange={(e) => change(i, { end: e.target.value })} error={rowError(i, "end")} />
              <button type="button" onClick={() => setRows(rows.filter((_, j) => j !== i))}>
                Remove<span className="visually-hidden"> interval {i + 1}</span>
              </button>
              {rowError(i) && <p className="field-error">{rowError(i)}</p>}
            </fieldset>
          </li>
        ))}
      </ol>
      <div className="actions">
        <button type="button" onClick={() => setRows([...rows, { dayOfWeek: "Monday", start: "08:00", end: "17:00" }])}>
          Add interval
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Save schedule
        </button>
      </div>
    </form>
  );
}

export function MyProfile() {
  const api = useApi();
  const user = useUser();
  const { data, setData, error } = useLoad(() => api.doctor(user.id), [api, user.id]);
  return (
    <section>
      <h1>My profile</h1>
      <FormError error={error} />
      {!data && !error && <Loading what="your profile" />}
      {data && <DoctorEditor doctor={data} onSaved={setData} />}
    </section>
  );
}
