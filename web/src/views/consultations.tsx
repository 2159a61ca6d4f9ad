import { useCallback, useEffect, useReducer, useState, type FormEvent } from "react";
import type { Consultation, Doctor } from "../api/types";
import { Field, FormError, fieldError, Loading, Notice } from "../components/ui";
import {
  cancelText,
  consultationReducer,
  isEnded,
  remainingSeconds,
  statusText,
  upsertConsultation,
  waitingRequests,
} from "../consultations/model";
import { useApi, useChat, useUser } from "../context";
import { formatCountdown, formatDateTime, formatIdr, formatTime } from "../format";
import { useLoad, useNow } from "../hooks";
import { Link, navigate } from "../router";
import { ChatView } from "./chat";
import { ScheduleSummary } from "./doctors";

/**
 * A list of my consultations kept current by consultationUpdated / consultationRequested / consultationExpiring,
 * and re-read after a reconnect (events sent while away are not replayed).
 */
function useLiveConsultations() {
  const api = useApi();
  const chat = useChat();
  const load = useLoad(() => api.consultations(), [api]);
  const { setData, reload } = load;
  useEffect(() => {
    if (!chat) return;
    const upsert = (c: Consultation) => setData((list) => upsertConsultation(list ?? [], c));
    const offs = [
      chat.hub.on("consultationUpdated", upsert),
      chat.hub.on("consultationRequested", upsert),
      chat.hub.on("consultationExpiring", upsert),
      chat.hub.onReconnected(() => void reload()),
    ];
    return () => offs.forEach((off) => off());
  }, [chat, setData, reload]);
  return load;
}

/** The other party, as the viewer sees it. */
function counterpart(c: Consultation, role: string): string {
  return role === "doctor" ? c.patientName : c.doctorName;
}

export function Consultations() {
  const user = useUser();
  const { data, error, loading } = useLiveConsultations();
  const current = data?.filter((c) => !isEnded(c)) ?? [];
  const past = data?.filter(isEnded) ?? [];
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
      {current.length > 0 && (
        <>
          <h2>Current</h2>
          <ul className="cards" aria-label="Current consultations">
            {current.map((c) => <ConsultationCard key={c.id} consultation={c} />)}
          </ul>
        </>
      )}
      {past.length > 0 && (
        <>
          <h2>Past</h2>
          <ul className="cards" aria-label="Past consultations">
            {past.map((c) => <ConsultationCard key={c.id} consultation={c} />)}
          </ul>
        </>
      )}
    </section>
  );
}

/** A ticking countdown for one active consultation, rebased whenever the server sends a new remainingSeconds. */
function useCountdown(c: Consultation | null): number | null {
  const [tracked, dispatch] = useReducer(consultationReducer, null);
  useEffect(() => {
    if (c) dispatch({ type: "updated", consultation: c, at: Date.now() });
  }, [c]);
  const now = useNow(tracked?.endsAtLocal != null);
  return remainingSeconds(tracked, now);
}

function ConsultationCard({ consultation: c }: { consultation: Consultation }) {
  const user = useUser();
  const remaining = useCountdown(c);
  const name = counterpart(c, user.role);
  const why = cancelText(c);
  return (
    <li className="card consultation-card" data-testid="consultation-card" data-status={c.status}>
      <h3>{name}</h3>
      <p>
        <strong className={`status status-${c.status}`}>{statusText[c.status]}</strong> · {formatIdr(c.fee)}
      </p>
      <p>{c.status === "active" || isEnded(c) ? `Started ${formatDateTime(c.startsAt)}` : `Booked for ${formatDateTime(c.startsAt)}`}</p>
      {remaining !== null && (
        <p className="countdown">
          <span className="visually-hidden">Time left: </span>
          {formatCountdown(remaining)} left
        </p>
      )}
      {why && <p className="hint">{why}</p>}
      <div className="actions">
        {c.status === "awaiting_payment" && c.payment?.redirectUrl && user.role === "patient" && (
          <a className="button primary" href={c.payment.redirectUrl}>
            Pay {formatIdr(c.fee)}
          </a>
        )}
        <Link className="button" to={`/consultations/${c.id}`}>
          Open<span className="visually-hidden"> consultation with {name}</span>
        </Link>
      </div>
    </li>
  );
}

export function ConsultationPage({ consultationId }: { consultationId: string }) {
  const api = useApi();
  const user = useUser();
  const chat = useChat();
  const [tracked, dispatch] = useReducer(consultationReducer, null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const now = useNow(tracked?.endsAtLocal != null);

  /** Reads the consultation; the answer is dropped once isCurrent says a newer read (another id) took over. */
  const load = useCallback(
    (isCurrent: () => boolean = () => true) =>
      api.consultation(consultationId).then(
        (c) => {
          if (!isCurrent()) return;
          dispatch({ type: "loaded", consultation: c, at: Date.now() });
          setError(null);
        },
        (e: unknown) => {
          if (isCurrent()) setError(e);
        },
      ),
    [api, consultationId],
  );

  useEffect(() => {
    let current = true;
    void load(() => current);
    return () => {
      current = false;
    };
  }, [load]);

  useEffect(() => {
    if (!chat) return;
    const mine = (x: Consultation) => x.id === consultationId;
    const offs = [
      chat.hub.on("consultationUpdated", (x) => mine(x) && dispatch({ type: "updated", consultation: x, at: Date.now() })),
      chat.hub.on("consultationRequested", (x) => mine(x) && dispatch({ type: "updated", consultation: x, at: Date.now() })),
      chat.hub.on("consultationExpiring", (x) => mine(x) && dispatch({ type: "expiring", consultation: x, at: Date.now() })),
      // Events sent while disconnected are not replayed: re-read the consultation after a reconnect.
      chat.hub.onReconnected(() => void load()),
    ];
    return () => offs.forEach((off) => off());
  }, [chat, consultationId, load]);

  const act = async (action: (id: string) => Promise<Consultation>) => {
    setActionError(null);
    setBusy(true);
    try {
      dispatch({ type: "updated", consultation: await action(consultationId), at: Date.now() });
    } catch (e) {
      setActionError(e);
      // A 409 means the state moved meanwhile (e.g. the session already ended): show what it is now.
      void load();
    } finally {
      setBusy(false);
    }
  };

  if (error && !tracked) return <FormError error={error} />;
  if (!tracked) return <Loading what="the consultation" />;

  const c = tracked.consultation;
  const remaining = remainingSeconds(tracked, now);
  const ended = isEnded(c);
  const why = cancelText(c);
  const name = counterpart(c, user.role);
  return (
    <section className="consultation">
      <p>
        <Link to="/consultations">← Consultations</Link>
      </p>
      <div className="panel consultation-status" data-testid="consultation-status" data-status={c.status}>
        <h1>
          Consultation with {name}
        </h1>
        <p>
          <strong className={`status status-${c.status}`}>{statusText[c.status]}</strong> · {formatIdr(c.fee)}
        </p>
        <p>
          {c.status === "active" || ended ? "Started" : "Booked for"} {formatDateTime(c.startsAt)}
          {c.status !== "awaiting_payment" && c.status !== "paid" && <> · ends {formatTime(c.endsAt)}</>}
        </p>
        {remaining !== null && (
          // Not live: a screen reader announcing every second would be unbearable; the warning is announced instead.
          <p className="countdown" aria-live="off" data-testid="countdown">
            Time left: <span>{formatCountdown(remaining)}</span>
          </p>
        )}
        {tracked.warned && c.status === "active" && (
          <Notice tone="warning">This consultation ends in {Math.max(1, Math.ceil((remaining ?? 0) / 60))} minutes or less.</Notice>
        )}
        {c.status === "completed" && <Notice>This consultation has ended.</Notice>}
        {why && <Notice>{why}</Notice>}
        <FormError error={actionError} />
        {c.status === "awaiting_payment" && user.role === "patient" && (
          <>
            {c.payBy && <p className="hint">Pay by {formatTime(c.payBy)} to keep this booking.</p>}
            {c.payment?.redirectUrl && (
              <a className="button primary" href={c.payment.redirectUrl}>
                Pay {formatIdr(c.fee)}
              </a>
            )}
          </>
        )}
        {c.status === "paid" && user.role === "patient" && (
          <p className="hint">Paid. The doctor has been notified and will start the session; the chat opens then.</p>
        )}
        {user.role === "patient" && (c.status === "awaiting_payment" || c.status === "paid") && (
          <div className="actions">
            <button type="button" className="danger" disabled={busy}
              onClick={() => window.confirm(cancelConsequence(c)) && void act(api.cancelConsultation)}>
              Cancel booking
            </button>
          </div>
        )}
        {user.role === "doctor" && c.status === "paid" && (
          <div className="actions">
            <button type="button" className="primary" disabled={busy} onClick={() => void act(api.acceptConsultation)}>
              Accept and start
            </button>
            <button type="button" className="danger" disabled={busy} onClick={() => void act(api.declineConsultation)}>
              Decline
            </button>
          </div>
        )}
        {user.role === "doctor" && c.status === "active" && (
          <button type="button" className="danger" disabled={busy}
            onClick={() => window.confirm("End this consultation now? The chat becomes read-only for both of you.") && void act(api.endConsultation)}>
            End consultation
          </button>
        )}
      </div>
      {c.conversationId ? (
        <ChatView
          conversationId={c.conversationId}
          title={name}
          readOnlyReason={
            c.status === "active"
              ? null
              : ended
                ? "This consultation has ended. The chat stays here, read-only, as part of the medical record."
                : "The chat opens when the doctor starts the consultation."
          }
        />
      ) : (
        !ended && <p>The chat opens once the consultation is paid and the doctor starts it.</p>
      )}
    </section>
  );
}

/** What the patient is told before cancelling: what happens to the booking and to the money. */
function cancelConsequence(c: Consultation): string {
  return c.status === "paid"
    ? `Cancel this consultation? It is cancelled at once and your payment of ${formatIdr(c.fee)} will be refunded.`
    : "Cancel this booking? It is cancelled at once and the time is freed; nothing has been charged.";
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
      // The checkout (simulated page or Midtrans) brings the payer back to /consultations/{id} afterwards.
      if (c.status === "awaiting_payment" && c.payment?.redirectUrl) window.location.assign(c.payment.redirectUrl);
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
      {doctor.bio && <p className="bio">{doctor.bio}</p>}
      <ScheduleSummary schedule={doctor.schedule} />
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="Book a consultation" className="panel">
        <FormError error={error} />
        <fieldset>
          <legend>When</legend>
          <label className="choice">
            <input type="radio" name="when" value="now" checked={when === "now"} onChange={() => setWhen("now")} disabled={!doctor.availableNow} />
            Now {doctor.availableNow ? "" : "(not available now)"}
          </label>
          <label className="choice">
            <input type="radio" name="when" value="later" checked={when === "later"} onChange={() => setWhen("later")} />
            At a later time
          </label>
        </fieldset>
        {when === "later" && (
          <Field label="Start" type="datetime-local" value={startAt} required onChange={(e) => setStartAt(e.target.value)}
            hint="In your device's time; it must fall in the doctor's working hours (clinic time)."
            error={fieldError(error, "startAt")} />
        )}
        <button type="submit" className="primary" disabled={busy || (when === "later" && !startAt)}>
          {busy ? "Booking…" : `Continue to payment (${formatIdr(doctor.fee)})`}
        </button>
      </form>
    </section>
  );
}

/** The doctor's live queue: paid requests arrive by consultationRequested; accept starts the session at once. */
export function DoctorQueue() {
  const api = useApi();
  const { data, setData, error, loading } = useLiveConsultations();
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const act = async (action: (id: string) => Promise<Consultation>, id: string, open: boolean) => {
    setActionError(null);
    setBusy(id);
    try {
      const c = await action(id);
      setData((list) => upsertConsultation(list ?? [], c));
      if (open) navigate(`/consultations/${c.id}`);
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(null);
    }
  };

  const waiting = waitingRequests(data ?? []);
  const active = data?.filter((c) => c.status === "active") ?? [];
  return (
    <section>
      <h1>Queue</h1>
      <FormError error={error ?? actionError} />
      {loading && !data && <Loading what="your queue" />}
      <h2>Waiting for you</h2>
      <div aria-live="polite">
        {data && waiting.length === 0 && <p>No paid requests are waiting.</p>}
        <ul className="cards" aria-label="Waiting requests">
          {waiting.map((c) => (
            <li key={c.id} className="card request" data-testid="request-card">
              <h3>{c.patientName}</h3>
              <p>
                Paid {formatIdr(c.fee)} · booked for {formatDateTime(c.startsAt)}
              </p>
              {c.acceptBy && <p className="hint">Accept by {formatTime(c.acceptBy)} or it is cancelled and refunded.</p>}
              <div className="actions">
                <button type="button" className="primary" disabled={busy === c.id} onClick={() => void act(api.acceptConsultation, c.id, true)}>
                  Accept<span className="visually-hidden"> {c.patientName}</span>
                </button>
                <button type="button" className="danger" disabled={busy === c.id} onClick={() => void act(api.declineConsultation, c.id, false)}>
                  Decline<span className="visually-hidden"> {c.patientName}</span>
                </button>
              </div>
            </li>
          ))}
        </ul>
      </div>
      <h2>In session</h2>
      {data && active.length === 0 && <p>No active consultations.</p>}
      <ul className="cards" aria-label="Active consultations">
        {active.map((c) => <ConsultationCard key={c.id} consultation={c} />)}
      </ul>
      <p>
        <Link to="/consultations">All consultations, including past ones</Link>
      </p>
    </section>
  );
}
