import { useEffect, useState, type FormEvent } from "react";
import type { Consultation, ConsultationStatus, Doctor } from "../api/types";
import { Field, FormError, fieldError, Loading, Notice } from "../components/ui";
import { useApi, useChat, useUser } from "../context";
import { formatCountdown, formatDateTime, formatIdr } from "../format";
import { useLoad } from "../hooks";
import { Link, navigate } from "../router";
import { ChatView } from "./chat";
import { ScheduleSummary } from "./doctors";

const statusText: Record<ConsultationStatus, string> = {
  awaiting_payment: "Awaiting payment",
  paid: "Paid, waiting for the doctor",
  active: "In session",
  completed: "Completed",
  cancelled: "Cancelled",
};

/** Keeps a list of consultations current from consultationUpdated / consultationRequested events. */
function useLiveConsultations(initial: Consultation[] | null, setData: (c: Consultation[]) => void) {
  const chat = useChat();
  useEffect(() => {
    if (!chat) return;
    const upsert = (c: Consultation) => {
      const list = initial ?? [];
      const i = list.findIndex((x) => x.id === c.id);
      setData(i >= 0 ? list.with(i, c) : [c, ...list]);
    };
    const offs = [chat.hub.on("consultationUpdated", upsert), chat.hub.on("consultationRequested", upsert), chat.hub.on("consultationExpiring", upsert)];
    return () => offs.forEach((off) => off());
  }, [chat, initial, setData]);
}

/** A countdown to the end of a consultation, from the server's remainingSeconds (immune to a wrong device clock). */
function useRemaining(c: Consultation | null): number | null {
  const [deadline, setDeadline] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!c || c.status !== "active") {
      setDeadline(null);
      return;
    }
    setDeadline(Date.now() + c.remainingSeconds * 1000);
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [c]);
  return deadline === null ? null : Math.max(0, Math.round((deadline - now) / 1000));
}

export function Consultations() {
  const api = useApi();
  const user = useUser();
  const { data, setData, error, loading } = useLoad(() => api.consultations(), [api]);
  useLiveConsultations(data, setData);
  return (
    <section>
      <h1>{user.role === "doctor" ? "Consultations" : "My consultations"}</h1>
      <FormError error={error} />
      {loading && !data && <Loading what="consultations" />}
      {data && data.length === 0 && (
        <p>
          No consultations yet. {user.role === "patient" && <Link to="/doctors">Find a doctor</Link>}
        </p>
      )}
      <ul className="cards">
        {data?.map((c) => <ConsultationCard key={c.id} consultation={c} />)}
      </ul>
    </section>
  );
}

function ConsultationCard({ consultation: c }: { consultation: Consultation }) {
  const remaining = useRemaining(c);
  return (
    <li className="card">
      <p>
        <strong>{statusText[c.status]}</strong> · {formatIdr(c.fee)}
      </p>
      <p>Starts {formatDateTime(c.startsAt)}</p>
      {remaining !== null && <p className="countdown">{formatCountdown(remaining)} left</p>}
      {c.status === "awaiting_payment" && c.payment?.redirectUrl && (
        <a className="button primary" href={c.payment.redirectUrl}>
          Pay now
        </a>
      )}
      <Link className="button" to={`/consultations/${c.id}`}>
        Open
      </Link>
    </li>
  );
}

export function ConsultationPage({ consultationId }: { consultationId: string }) {
  const api = useApi();
  const user = useUser();
  const chat = useChat();
  const { data: c, setData, error, reload } = useLoad(() => api.consultation(consultationId), [api, consultationId]);
  const [warning, setWarning] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const remaining = useRemaining(c);

  useEffect(() => {
    if (!chat) return;
    const mine = (x: Consultation) => x.id === consultationId;
    const offs = [
      chat.hub.on("consultationUpdated", (x) => mine(x) && setData(x)),
      chat.hub.on("consultationExpiring", (x) => {
        if (!mine(x)) return;
        setData(x);
        setWarning(true);
      }),
    ];
    // Missed events while disconnected: re-read the consultation after a reconnect.
    offs.push(chat.hub.onReconnected(() => void reload()));
    return () => offs.forEach((off) => off());
  }, [chat, consultationId, setData, reload]);

  const act = async (action: (id: string) => Promise<Consultation>) => {
    setActionError(null);
    try {
      setData(await action(consultationId));
    } catch (e) {
      setActionError(e);
    }
  };

  if (error) return <FormError error={error} />;
  if (!c) return <Loading what="the consultation" />;

  const ended = c.status === "completed" || c.status === "cancelled";
  return (
    <section className="consultation">
      <p>
        <Link to="/consultations">← Consultations</Link>
      </p>
      <div className="panel consultation-status">
        <p>
          <strong>{statusText[c.status]}</strong> · {formatIdr(c.fee)} · {formatDateTime(c.startsAt)}–{formatDateTime(c.endsAt)}
        </p>
        {remaining !== null && (
          <p className="countdown" aria-live="off">
            Time left: <span>{formatCountdown(remaining)}</span>
          </p>
        )}
        {warning && c.status === "active" && <Notice tone="warning">This consultation ends in a few minutes.</Notice>}
        <FormError error={actionError} />
        {c.status === "awaiting_payment" && c.payment?.redirectUrl && user.role === "patient" && (
          <a className="button primary" href={c.payment.redirectUrl}>
            Pay {formatIdr(c.fee)}
          </a>
        )}
        {user.role === "doctor" && c.status === "paid" && (
          <div className="actions">
            <button type="button" className="primary" onClick={() => void act(api.acceptConsultation)}>
              Accept and start
            </button>
            <button type="button" className="danger" onClick={() => void act(api.declineConsultation)}>
              Decline
            </button>
          </div>
        )}
        {user.role === "doctor" && c.status === "active" && (
          <button type="button" className="danger" onClick={() => window.confirm("End this consultation now?") && void act(api.endConsultation)}>
            End consultation
          </button>
        )}
      </div>
      {c.conversationId ? (
        <ChatView
          conversationId={c.conversationId}
          readOnlyReason={
            c.status === "active"
              ? null
              : ended
                ? "This consultation has ended. The chat stays here as part of the medical record."
                : "The chat opens when the doctor starts the consultation."
          }
        />
      ) : (
        <p>The chat opens once the consultation is paid.</p>
      )}
    </section>
  );
}

export function BookDoctor({ doctorId }: { doctorId: string }) {
  const api = useApi();
  const { data: doctor, error } = useLoad(() => api.doctor(doctorId), [api, doctorId]);
  if (error) return <FormError error={error} />;
  if (!doctor) return <Loading what="the doctor" />;
  return <BookingForm doctor={doctor} />;
}

function BookingForm({ doctor }: { doctor: Doctor }) {
  const api = useApi();
  const [when, setWhen] = useState<"now" | "later">(doctor.availableNow ? "now" : "later");
  const [startAt, setStartAt] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const start = when === "later" && startAt ? new Date(startAt).toISOString() : undefined;
      const c = await api.book(doctor.id, start);
      if (c.payment?.redirectUrl) window.location.assign(c.payment.redirectUrl);
      else navigate(`/consultations/${c.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <section>
      <p>
        <Link to="/doctors">← Doctors</Link>
      </p>
      <h1>Book {doctor.displayName}</h1>
      <p>
        {doctor.specialty || "General practice"} · <strong>{formatIdr(doctor.fee)}</strong>
      </p>
      <ScheduleSummary schedule={doctor.schedule} />
      <form onSubmit={submit} noValidate aria-label="Book a consultation" className="panel">
        <FormError error={error} />
        <fieldset>
          <legend>When</legend>
          <label className="choice">
            <input type="radio" name="when" value="now" checked={when === "now"} onChange={() => setWhen("now")} disabled={!doctor.availableNow} />
            Now {doctor.availableNow ? "" : "(not available now)"}
          </label>
          <label className="choice">
            <input type="radio" name="when" value="later" checked={when === "later"} onChange={() => setWhen("later")} />
            Later
          </label>
        </fieldset>
        {when === "later" && (
          <Field label="Start" type="datetime-local" value={startAt} required onChange={(e) => setStartAt(e.target.value)}
            hint="In your device's time; it must fall in the doctor's working hours."
            error={fieldError(error, "startAt")} />
        )}
        <button type="submit" className="primary" disabled={busy || (when === "later" && !startAt)}>
          Continue to payment ({formatIdr(doctor.fee)})
        </button>
      </form>
    </section>
  );
}

export function DoctorQueue() {
  const api = useApi();
  const { data, setData, error, loading, reload } = useLoad(() => api.consultations(), [api]);
  const chat = useChat();
  const [actionError, setActionError] = useState<unknown>(null);
  useLiveConsultations(data, setData);
  useEffect(() => (chat ? chat.hub.onReconnected(() => void reload()) : undefined), [chat, reload]);

  const act = async (action: (id: string) => Promise<Consultation>, id: string, open: boolean) => {
    setActionError(null);
    try {
      const c = await action(id);
      setData((data ?? []).map((x) => (x.id === c.id ? c : x)));
      if (open) navigate(`/consultations/${c.id}`);
    } catch (e) {
      setActionError(e);
    }
  };

  const waiting = data?.filter((c) => c.status === "paid") ?? [];
  const active = data?.filter((c) => c.status === "active") ?? [];
  return (
    <section>
      <h1>Queue</h1>
      <FormError error={error ?? actionError} />
      {loading && !data && <Loading what="your queue" />}
      <h2>Waiting for you</h2>
      {waiting.length === 0 && <p>No paid requests are waiting.</p>}
      <ul className="cards" aria-label="Waiting requests">
        {waiting.map((c) => (
          <li key={c.id} className="card">
            <p>
              Paid {formatIdr(c.fee)} · for {formatDateTime(c.startsAt)}
            </p>
            <div className="actions">
              <button type="button" className="primary" onClick={() => void act(api.acceptConsultation, c.id, true)}>
                Accept
              </button>
              <button type="button" className="danger" onClick={() => void act(api.declineConsultation, c.id, false)}>
                Decline
              </button>
            </div>
          </li>
        ))}
      </ul>
      <h2>In session</h2>
      {active.length === 0 && <p>No active consultations.</p>}
      <ul className="cards">
        {active.map((c) => <ConsultationCard key={c.id} consultation={c} />)}
      </ul>
      <p>
        <Link to="/consultations">All consultations</Link>
      </p>
    </section>
  );
}
