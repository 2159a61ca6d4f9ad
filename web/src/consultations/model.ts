import type { Consultation, ConsultationStatus } from "../api/types";

// Pure consultation state for the views: which update wins, the countdown and the warning. The server's clock
// is the truth; the device clock is only used to tick between two server answers.

const rank: Record<ConsultationStatus, number> = {
  awaiting_payment: 0,
  paid: 1,
  active: 2,
  completed: 3,
  cancelled: 3,
};

/** The lifecycle only moves forward: a late REST answer or event must not resurrect an ended consultation. */
export function isNewer(current: Consultation | null, incoming: Consultation): boolean {
  if (!current || current.id !== incoming.id) return true;
  return rank[incoming.status] >= rank[current.status];
}

export function isEnded(c: Consultation): boolean {
  return c.status === "completed" || c.status === "cancelled";
}

export interface TrackedConsultation {
  consultation: Consultation;
  /** Device-clock instant (ms) at which the session ends: when remainingSeconds was received plus that many seconds. */
  endsAtLocal: number | null;
  /** consultationExpiring arrived, or the server says the warning went out (warnedAt). */
  warned: boolean;
}

export type ConsultationAction =
  | { type: "loaded"; consultation: Consultation; at: number }
  | { type: "updated"; consultation: Consultation; at: number }
  | { type: "expiring"; consultation: Consultation; at: number };

function track(previous: TrackedConsultation | null, c: Consultation, at: number, warned: boolean): TrackedConsultation {
  const endsAtLocal = c.status === "active" ? at + Math.max(0, c.remainingSeconds) * 1000 : null;
  const serverWarned = c.warnedAt != null;
  return { consultation: c, endsAtLocal, warned: c.status === "active" && (warned || serverWarned || (previous?.warned ?? false)) };
}

export function consultationReducer(state: TrackedConsultation | null, action: ConsultationAction): TrackedConsultation | null {
  const c = action.consultation;
  if (state && state.consultation.id !== c.id) return state;
  if (!isNewer(state?.consultation ?? null, c)) return state;
  switch (action.type) {
    case "loaded":
      return track(state, c, action.at, false);
    case "updated":
      return track(state, c, action.at, false);
    case "expiring":
      return track(state, c, action.at, true);
  }
}

/** Whole seconds left at device time nowMs; null when nothing is counting down. */
export function remainingSeconds(t: TrackedConsultation | null, nowMs: number): number | null {
  if (!t || t.endsAtLocal === null) return null;
  return Math.max(0, Math.ceil((t.endsAtLocal - nowMs) / 1000));
}

/** A list kept current by events: replaced in place if newer, new ones in front, newest booking first. */
export function upsertConsultation(list: Consultation[], c: Consultation): Consultation[] {
  const i = list.findIndex((x) => x.id === c.id);
  if (i >= 0) return isNewer(list[i]!, c) ? list.with(i, c) : list;
  return [c, ...list].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** The doctor's queue: paid requests, the one that must be accepted soonest first. */
export function waitingRequests(list: Consultation[]): Consultation[] {
  return list
    .filter((c) => c.status === "paid")
    .sort((a, b) => (a.acceptBy ?? a.startsAt).localeCompare(b.acceptBy ?? b.startsAt));
}

export const statusText: Record<ConsultationStatus, string> = {
  awaiting_payment: "Awaiting payment",
  paid: "Paid, waiting for the doctor",
  active: "In session",
  completed: "Completed",
  cancelled: "Cancelled",
};

export function cancelText(c: Consultation): string | null {
  if (c.status !== "cancelled") return null;
  const why: Record<string, string> = {
    payment_timeout: "It was not paid in time.",
    payment_failed: "The payment did not go through.",
    declined: "The doctor declined it.",
    accept_timeout: "The doctor did not accept it in time.",
    patient_cancelled: "The patient cancelled it.",
  };
  const reason = c.cancelReason ? (why[c.cancelReason] ?? "") : "";
  const refund = c.refundDue
    ? " The payment will be refunded."
    : c.refund?.status === "succeeded"
      ? " The payment has been refunded."
      : "";
  return `${reason}${refund}`.trim() || null;
}
