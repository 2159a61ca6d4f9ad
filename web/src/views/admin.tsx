import { useState, type FormEvent } from "react";
import type { AdminUser, Consultation, Role } from "../api/types";
import { Field, FormError, fieldError, Loading, Notice, SelectField } from "../components/ui";
import { useApi, useUser } from "../context";
import { formatDateTime, formatIdr } from "../format";
import { useLoad, useSubmit } from "../hooks";
import { Link } from "../router";
import { DoctorEditor } from "./doctors";

export function AdminUsers() {
  const api = useApi();
  const me = useUser();
  const [filter, setFilter] = useState<Role | "">("");
  const { data, error, loading, reload } = useLoad(() => api.listUsers(filter || undefined), [api, filter]);
  const [actionError, setActionError] = useState<unknown>(null);

  const disable = async (u: AdminUser) => {
    if (!window.confirm(`Disable ${u.displayName} (${u.email})? Their sessions end at once.`)) return;
    setActionError(null);
    try {
      await api.disableUser(u.id);
      await reload();
    } catch (e) {
      setActionError(e);
    }
  };

  return (
    <section>
      <h1>Users</h1>
      <CreateStaff onCreated={() => void reload()} />
      <div className="panel">
        <h2>All accounts</h2>
        <SelectField label="Show" value={filter} onChange={(e) => setFilter(e.target.value as Role | "")}>
          <option value="">Everyone</option>
          <option value="patient">Patients</option>
          <option value="doctor">Doctors</option>
          <option value="nurse">Nurses</option>
          <option value="admin">Admins</option>
        </SelectField>
        <FormError error={error ?? actionError} />
        {loading && !data && <Loading what="users" />}
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">User accounts</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data?.map((u) => (
                <tr key={u.id}>
                  <td>{u.displayName}</td>
                  <td className="email">{u.email}</td>
                  <td>{u.role}</td>
                  <td>{u.disabled ? "Disabled" : `Active since ${formatDateTime(u.createdAt)}`}</td>
                  <td className="row-actions">
                    {u.role === "doctor" && (
                      <Link className="button" to={`/admin/doctors/${u.id}`}>
                        Edit profile<span className="visually-hidden"> of {u.displayName}</span>
                      </Link>
                    )}
                    {!u.disabled && u.id !== me.id && (
                      <button type="button" className="danger" onClick={() => void disable(u)}>
                        Disable<span className="visually-hidden"> {u.displayName}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}

function CreateStaff({ onCreated }: { onCreated: () => void }) {
  const api = useApi();
  const [displayName, setDisplayName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("doctor");
  const [created, setCreated] = useState<{ id: string; name: string; role: Role } | null>(null);

  const { submit, busy, error } = useSubmit(async () => {
    setCreated(null);
    const user = await api.createStaff({ email: email.trim(), password, displayName, role });
    setCreated({ id: user.id, name: user.displayName, role: user.role });
    setDisplayName("");
    setEmail("");
    setPassword("");
    onCreated();
  });

  return (
    <form onSubmit={submit} noValidate aria-label="Create staff account" className="panel">
      <h2>Create a staff account</h2>
      <FormError error={error} />
      {created && (
        <Notice tone="success">
          Created {created.role} account for {created.name}.{" "}
          {created.role === "doctor" && <Link to={`/admin/doctors/${created.id}`}>Set their profile and schedule</Link>}
        </Notice>
      )}
      <div className="grid">
        <Field label="Name" name="displayName" required value={displayName} onChange={(e) => setDisplayName(e.target.value)}
          error={fieldError(error, "displayName")} />
        <Field label="Email" name="email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)}
          error={fieldError(error, "email")} />
        <Field label="Initial password" name="password" type="password" autoComplete="new-password" required value={password}
          hint="At least 10 characters; share it with them privately." onChange={(e) => setPassword(e.target.value)}
          error={fieldError(error, "password")} />
        <SelectField label="Role" name="role" value={role} onChange={(e) => setRole(e.target.value as Role)} error={fieldError(error, "role")}>
          <option value="doctor">Doctor</option>
          <option value="nurse">Nurse or midwife</option>
          <option value="admin">Admin</option>
        </SelectField>
      </div>
      <button type="submit" className="primary" disabled={busy}>
        Create account
      </button>
    </form>
  );
}

export function AdminDoctors() {
  const api = useApi();
  const { data, error, loading } = useLoad(() => api.doctors(), [api]);
  return (
    <section>
      <h1>Doctors</h1>
      <FormError error={error} />
      {loading && !data && <Loading what="doctors" />}
      <ul className="list">
        {data?.map((d) => (
          <li key={d.id}>
            <Link to={`/admin/doctors/${d.id}`}>{d.displayName}</Link> · {d.specialty || "No specialty"} · {formatIdr(d.fee)} ·{" "}
            {d.schedule.length} interval{d.schedule.length === 1 ? "" : "s"}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function AdminDoctor({ doctorId }: { doctorId: string }) {
  const api = useApi();
  const { data, setData, error } = useLoad(() => api.doctor(doctorId), [api, doctorId]);
  return (
    <section>
      <p>
        <Link to="/admin/doctors">← All doctors</Link>
      </p>
      <h1>{data ? data.displayName : "Doctor"}</h1>
      <FormError error={error} />
      {!data && !error && <Loading what="the doctor" />}
      {data && <DoctorEditor doctor={data} onSaved={setData} />}
    </section>
  );
}

export function AdminNurses() {
  const api = useApi();
  const patients = useLoad(() => api.listUsers("patient"), [api]);
  const nurses = useLoad(() => api.listUsers("nurse"), [api]);
  const assignments = useLoad(() => api.nurseAssignments(), [api]);
  const [patientId, setPatientId] = useState("");
  const [nurseId, setNurseId] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setDone(null);
    try {
      await api.assignNurse(patientId, nurseId);
      const p = patients.data?.find((x) => x.id === patientId);
      const n = nurses.data?.find((x) => x.id === nurseId);
      setDone(`${n?.displayName ?? "The nurse"} now cares for ${p?.displayName ?? "the patient"}.`);
      void assignments.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section>
      <h1>Nurse assignment</h1>
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Assign a nurse" className="panel">
        <FormError error={error ?? patients.error ?? nurses.error} />
        {done && <Notice tone="success">{done}</Notice>}
        <SelectField label="Patient" required value={patientId} onChange={(e) => setPatientId(e.target.value)} error={fieldError(error, "patientId")}>
          <option value="">Choose a patient</option>
          {patients.data?.filter((p) => !p.disabled).map((p) => (
            <option key={p.id} value={p.id}>
              {p.displayName} ({p.email})
            </option>
          ))}
        </SelectField>
        <SelectField label="Nurse or midwife" required value={nurseId} onChange={(e) => setNurseId(e.target.value)} error={fieldError(error, "nurseId")}>
          <option value="">Choose a nurse</option>
          {nurses.data?.filter((n) => !n.disabled).map((n) => (
            <option key={n.id} value={n.id}>
              {n.displayName}
            </option>
          ))}
        </SelectField>
        <button type="submit" className="primary" disabled={!patientId || !nurseId}>
          Assign
        </button>
      </form>
      <h2>Current assignments</h2>
      <FormError error={assignments.error} />
      {assignments.data && assignments.data.length === 0 && <p>No patient has a nurse yet.</p>}
      {assignments.data && assignments.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Current nurse assignments</caption>
            <thead>
              <tr>
                <th scope="col">Patient</th>
                <th scope="col">Nurse or midwife</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {assignments.data.map((a) => (
                <tr key={a.patientId}>
                  <td>{a.patientName}</td>
                  <td>{a.nurseName}</td>
                  <td>{formatDateTime(a.assignedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * The refund desk: consultations whose fee is owed back (refund through the payment gateway with one click) and the
 * history of refunds made. A gateway error leaves the refund due; trying again is safe (the same refund key is sent).
 */
export function AdminRefunds() {
  const api = useApi();
  const due = useLoad(() => api.refunds("due"), [api]);
  const done = useLoad(() => api.refunds("done"), [api]);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);

  const refund = async (c: Consultation) => {
    if (!window.confirm(`Refund ${formatIdr(c.refund?.amount ?? c.fee)} to ${c.patientName} through the payment gateway?`)) return;
    setActionError(null);
    setBusy(c.id);
    try {
      await api.refundConsultation(c.id);
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(null);
      await Promise.all([due.reload(), done.reload()]);
    }
  };

  return (
    <section>
      <h1>Refunds</h1>
      <div className="panel">
        <h2>Due</h2>
        <FormError error={due.error ?? actionError} />
        {due.loading && !due.data && <Loading what="refunds due" />}
        {due.data?.length === 0 && <p>No refunds are due.</p>}
        {!!due.data?.length && (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Refunds due</caption>
              <thead>
                <tr>
                  <th scope="col">Patient</th>
                  <th scope="col">Doctor</th>
                  <th scope="col">Booked for</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Last attempt</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {due.data.map((c) => (
                  <tr key={c.id}>
                    <td>{c.patientName}</td>
                    <td>{c.doctorName}</td>
                    <td>{formatDateTime(c.startsAt)}</td>
                    <td>{formatIdr(c.fee)}</td>
                    <td>{c.refund ? (c.refund.status === "pending" ? "Sent, no answer yet" : "Refused by the gateway") : "None"}</td>
                    <td className="row-actions">
                      <button type="button" className="primary" disabled={busy === c.id} onClick={() => void refund(c)}>
                        {c.refund?.status === "pending" ? "Retry refund" : "Refund"}
                        <span className="visually-hidden"> {c.patientName}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      <div className="panel">
        <h2>History</h2>
        <FormError error={done.error} />
        {done.loading && !done.data && <Loading what="refund history" />}
        {done.data?.length === 0 && <p>No refunds yet.</p>}
        {!!done.data?.length && (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Refunds made</caption>
              <thead>
                <tr>
                  <th scope="col">Patient</th>
                  <th scope="col">Doctor</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Refunded</th>
                  <th scope="col">Refund key</th>
                </tr>
              </thead>
              <tbody>
                {done.data.map((c) => (
                  <tr key={c.id}>
                    <td>{c.patientName}</td>
                    <td>{c.doctorName}</td>
                    <td>{formatIdr(c.refund?.amount ?? c.fee)}</td>
                    <td>{c.refund?.refundedAt ? formatDateTime(c.refund.refundedAt) : ""}</td>
                    <td>
                      <code>{c.refund?.key}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </section>
  );
}
