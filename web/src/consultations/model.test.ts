import { describe, expect, it } from "vitest";
import type { Consultation } from "../api/types";
import { cancelText, consultationReducer, remainingSeconds, upsertConsultation, waitingRequests } from "./model";

function consultation(patch: Partial<Consultation> = {}): Consultation {
  return {
    id: "c1",
    patientId: "p",
    doctorId: "d",
    status: "active",
    fee: 150_000,
    startsAt: "2026-11-16T03:00:00Z",
    endsAt: "2026-11-16T03:30:00Z",
    remainingSeconds: 1800,
    conversationId: "conv",
    payment: null,
    patientName: "Putu",
    doctorName: "dr. Sari",
    refundDue: false,
    cancelReason: null,
    createdAt: "2026-11-16T02:59:00Z",
    payBy: null,
    acceptBy: null,
    warnedAt: null,
    refund: null,
    ...patch,
  };
}

describe("countdown", () => {
  it("counts down from the server's remainingSeconds on the device clock", () => {
    const t = consultationReducer(null, { type: "loaded", consultation: consultation({ remainingSeconds: 600 }), at: 1_000_000 });
    expect(remainingSeconds(t, 1_000_000)).toBe(600);
    expect(remainingSeconds(t, 1_061_000)).toBe(539);
  });

  it("ignores the device's idea of the date: endsAt may be far from the device clock", () => {
    const t = consultationReducer(null, {
      type: "loaded",
      consultation: consultation({ remainingSeconds: 90, endsAt: "2001-01-01T00:00:00Z" }),
      at: 5_000,
    });
    expect(remainingSeconds(t, 5_000)).toBe(90);
  });

  it("never goes below zero", () => {
    const t = consultationReducer(null, { type: "loaded", consultation: consultation({ remainingSeconds: 5 }), at: 0 });
    expect(remainingSeconds(t, 60_000)).toBe(0);
  });

  it("re-bases on every update, so the server's clock wins over drift", () => {
    let t = consultationReducer(null, { type: "loaded", consultation: consultation({ remainingSeconds: 600 }), at: 0 });
    t = consultationReducer(t, { type: "expiring", consultation: consultation({ remainingSeconds: 300 }), at: 10_000 });
    expect(remainingSeconds(t, 10_000)).toBe(300);
  });

  it("stops counting when the consultation is not active", () => {
    const t = consultationReducer(null, { type: "loaded", consultation: consultation({ status: "paid" }), at: 0 });
    expect(remainingSeconds(t, 0)).toBeNull();
  });
});

describe("warning and end", () => {
  it("warns when consultationExpiring arrives", () => {
    let t = consultationReducer(null, { type: "loaded", consultation: consultation({ remainingSeconds: 600 }), at: 0 });
    expect(t!.warned).toBe(false);
    t = consultationReducer(t, { type: "expiring", consultation: consultation({ remainingSeconds: 300 }), at: 1 });
    expect(t!.warned).toBe(true);
  });

  it("keeps the warning through later updates while active", () => {
    let t = consultationReducer(null, { type: "expiring", consultation: consultation({ remainingSeconds: 300 }), at: 0 });
    t = consultationReducer(t, { type: "updated", consultation: consultation({ remainingSeconds: 200 }), at: 1 });
    expect(t!.warned).toBe(true);
  });

  it("a page loaded after the server sent the warning shows the warning it missed", () => {
    const t = consultationReducer(null, {
      type: "loaded",
      consultation: consultation({ remainingSeconds: 240, warnedAt: "2026-11-16T03:25:00Z" }),
      at: 0,
    });
    expect(t!.warned).toBe(true);
  });

  it("a page loaded before the warning went out shows none, whatever the configured warning time", () => {
    const t = consultationReducer(null, { type: "loaded", consultation: consultation({ remainingSeconds: 240 }), at: 0 });
    expect(t!.warned).toBe(false);
  });

  it("drops the warning once completed", () => {
    let t = consultationReducer(null, { type: "expiring", consultation: consultation({ remainingSeconds: 300 }), at: 0 });
    t = consultationReducer(t, { type: "updated", consultation: consultation({ status: "completed", remainingSeconds: 0 }), at: 1 });
    expect(t!.warned).toBe(false);
    expect(t!.consultation.status).toBe("completed");
  });

  it("a late answer never moves the status backwards", () => {
    let t = consultationReducer(null, { type: "updated", consultation: consultation({ status: "completed" }), at: 0 });
    t = consultationReducer(t, { type: "loaded", consultation: consultation({ status: "active" }), at: 1 });
    expect(t!.consultation.status).toBe("completed");
  });

  it("ignores events about other consultations", () => {
    const t = consultationReducer(null, { type: "loaded", consultation: consultation(), at: 0 });
    expect(consultationReducer(t, { type: "updated", consultation: consultation({ id: "other", status: "completed" }), at: 1 })).toBe(t);
  });
});

describe("lists", () => {
  it("puts a new request in front and replaces a known one in place", () => {
    const a = consultation({ id: "a", status: "paid", createdAt: "2026-11-16T01:00:00Z" });
    const b = consultation({ id: "b", status: "paid", createdAt: "2026-11-16T02:00:00Z" });
    let list = upsertConsultation([a], b);
    expect(list.map((c) => c.id)).toEqual(["b", "a"]);
    list = upsertConsultation(list, { ...a, status: "active" });
    expect(list.map((c) => [c.id, c.status])).toEqual([["b", "paid"], ["a", "active"]]);
  });

  it("orders the queue by who must be accepted first", () => {
    const list = [
      consultation({ id: "late", status: "paid", acceptBy: "2026-11-16T03:20:00Z" }),
      consultation({ id: "active", status: "active" }),
      consultation({ id: "soon", status: "paid", acceptBy: "2026-11-16T03:05:00Z" }),
    ];
    expect(waitingRequests(list).map((c) => c.id)).toEqual(["soon", "late"]);
  });

  it("explains a cancellation and a refund", () => {
    expect(cancelText(consultation({ status: "cancelled", cancelReason: "declined", refundDue: true }))).toBe(
      "The doctor declined it. The payment will be refunded.",
    );
    expect(cancelText(consultation())).toBeNull();
  });

  it("says when the patient cancelled and when the refund was made", () => {
    const refund = { status: "succeeded" as const, amount: 150_000, refundedAt: "2026-11-16T04:00:00Z", key: "rf-1" };
    expect(cancelText(consultation({ status: "cancelled", cancelReason: "patient_cancelled", refundDue: true }))).toBe(
      "The patient cancelled it. The payment will be refunded.",
    );
    expect(cancelText(consultation({ status: "cancelled", cancelReason: "patient_cancelled", refund }))).toBe(
      "The patient cancelled it. The payment has been refunded.",
    );
  });
});
