import { jsx as _jsx, jsxs as _jsxs, Fragment as _Fragment } from "react/jsx-runtime";
import { useCallback, useEffect, useReducer, useState } from "react";
import { Field, FormError, fieldError, Loading, Notice } from "../components/ui";
import { cancelText, consultationReducer, isEnded, remainingSeconds, statusText, upsertConsultation, waitingRequests, } from "../consultations/model";
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
        if (!chat)
            return;
        const upsert = (c) => setData((list) => upsertConsultation(list ?? [], c));
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
function counterpart(c, role) {
    return role === "doctor" ? c.patientName : c.doctorName;
}
export function Consultations() {
    const user = useUser();
    const { data, error, loading } = useLiveConsultations();
    const current = data?.filter((c) => !isEnded(c)) ?? [];
    const past = data?.filter(isEnded) ?? [];
    return (_jsxs("section", { children: [_jsx("h1", { children: user.role === "doctor" ? "Consultations" : "My consultations" }), _jsx(FormError, { error: error }), loading && !data && _jsx(Loading, { what: "consultations" }), data && data.length === 0 && (_jsxs("p", { children: ["No consultations yet. ", user.role === "patient" && _jsx(Link, { to: "/doctors", children: "Find a doctor" })] })), current.length > 0 && (_jsxs(_Fragment, { children: [_jsx("h2", { children: "Current" }), _jsx("ul", { className: "cards", "aria-label": "Current consultations", children: current.map((c) => _jsx(ConsultationCard, { consultation: c }, c.id)) })] })), past.length > 0 && (_jsxs(_Fragment, { children: [_jsx("h2", { children: "Past" }), _jsx("ul", { className: "cards", "aria-label": "Past consultations", children: past.map((c) => _jsx(ConsultationCard, { consultation: c }, c.id)) })] }))] }));
}
/** A ticking countdown for one active consultation, rebased whenever the server sends a new remainingSeconds. */
function useCountdown(c) {
    const [tracked, dispatch] = useReducer(consultationReducer, null);
    useEffect(() => {
        if (c)
            dispatch({ type: "updated", consultation: c, at: Date.now() });
    }, [c]);
    const now = useNow(tracked?.endsAtLocal != null);
    return remainingSeconds(tracked, now);
}
function ConsultationCard({ consultation: c }) {
    const user = useUser();
    const remaining = useCountdown(c);
    const name = counterpart(c, user.role);
    const why = cancelText(c);
    return (_jsxs("li", { className: "card consultation-card", "data-testid": "consultation-card", "data-status": c.status, children: [_jsx("h3", { children: name }), _jsxs("p", { children: [_jsx("strong", { className: `status status-${c.status}`, children: statusText[c.status] }), " \u00B7 ", formatIdr(c.fee)] }), _jsx("p", { children: c.status === "active" || isEnded(c) ? `Started ${formatDateTime(c.startsAt)}` : `Booked for ${formatDateTime(c.startsAt)}` }), remaining !== null && (_jsxs("p", { className: "countdown", children: [_jsx("span", { className: "visually-hidden", children: "Time left: " }), formatCountdown(remaining), " left"] })), why && _jsx("p", { className: "hint", children: why }), _jsxs("div", { className: "actions", children: [c.status === "awaiting_payment" && c.payment?.redirectUrl && user.role === "patient" && (_jsxs("a", { className: "button primary", href: c.payment.redirectUrl, children: ["Pay ", formatIdr(c.fee)] })), _jsxs(Link, { className: "button", to: `/consultations/${c.id}`, children: ["Open", _jsxs("span", { className: "visually-hidden", children: [" consultation with ", name] })] })] })] }));
}
export function ConsultationPage({ consultationId }) {
    const api = useApi();
    const user = useUser();
    const chat = useChat();
    const [tracked, dispatch] = useReducer(consultationReducer, null);
    const [error, setError] = useState(null);
    const [actionError, setActionError] = useState(null);
    const [busy, setBusy] = useState(false);
    const now = useNow(tracked?.endsAtLocal != null);
    const load = useCallback(async () => {
        try {
            const c = await api.consultation(consultationId);
            dispatch({ type: "loaded", consultation: c, at: Date.now() });
            setError(null);
        }
        catch (e) {
            setError(e);
        }
    }, [api, consultationId]);
    useEffect(() => {
        void load();
    }, [load]);
    useEffect(() => {
        if (!chat)
            return;
        const mine = (x) => x.id === consultationId;
        const offs = [
            chat.hub.on("consultationUpdated", (x) => mine(x) && dispatch({ type: "updated", consultation: x, at: Date.now() })),
            chat.hub.on("consultationRequested", (x) => mine(x) && dispatch({ type: "updated", consultation: x, at: Date.now() })),
            chat.hub.on("consultationExpiring", (x) => mine(x) && dispatch({ type: "expiring", consultation: x, at: Date.now() })),
            // Events sent while disconnected are not replayed: re-read the consultation after a reconnect.
            chat.hub.onReconnected(() => void load()),
        ];
        return () => offs.forEach((off) => off());
    }, [chat, consultationId, load]);
    const act = async (action) => {
        setActionError(null);
        setBusy(true);
        try {
            dispatch({ type: "updated", consultation: await action(consultationId), at: Date.now() });
        }
        catch (e) {
            setActionError(e);
            // A 409 means the state moved meanwhile (e.g. the session already ended): show what it is now.
            void load();
        }
        finally {
            setBusy(false);
        }
    };
    if (error && !tracked)
        return _jsx(FormError, { error: error });
    if (!tracked)
        return _jsx(Loading, { what: "the consultation" });
    const c = tracked.consultation;
    const remaining = remainingSeconds(tracked, now);
    const ended = isEnded(c);
    const why = cancelText(c);
    const name = counterpart(c, user.role);
    return (_jsxs("section", { className: "consultation", children: [_jsx("p", { children: _jsx(Link, { to: "/consultations", children: "\u2190 Consultations" }) }), _jsxs("div", { className: "panel consultation-status", "data-testid": "consultation-status", "data-status": c.status, children: [_jsxs("h1", { children: ["Consultation with ", name] }), _jsxs("p", { children: [_jsx("strong", { className: `status status-${c.status}`, children: statusText[c.status] }), " \u00B7 ", formatIdr(c.fee)] }), _jsxs("p", { children: [c.status === "active" || ended ? "Started" : "Booked for", " ", formatDateTime(c.startsAt), c.status !== "awaiting_payment" && c.status !== "paid" && _jsxs(_Fragment, { children: [" \u00B7 ends ", formatTime(c.endsAt)] })] }), remaining !== null && (
                    // Not live: a screen reader announcing every second would be unbearable; the warning is announced instead.
                    _jsxs("p", { className: "countdown", "aria-live": "off", "data-testid": "countdown", children: ["Time left: ", _jsx("span", { children: formatCountdown(remaining) })] })), tracked.warned && c.status === "active" && (_jsxs(Notice, { tone: "warning", children: ["This consultation ends in ", Math.max(1, Math.ceil((remaining ?? 0) / 60)), " minutes or less."] })), c.status === "completed" && _jsx(Notice, { children: "This consultation has ended." }), why && _jsx(Notice, { children: why }), _jsx(FormError, { error: actionError }), c.status === "awaiting_payment" && user.role === "patient" && (_jsxs(_Fragment, { children: [c.payBy && _jsxs("p", { className: "hint", children: ["Pay by ", formatTime(c.payBy), " to keep this booking."] }), c.payment?.redirectUrl && (_jsxs("a", { className: "button primary", href: c.payment.redirectUrl, children: ["Pay ", formatIdr(c.fee)] }))] })), c.status === "paid" && user.role === "patient" && (_jsx("p", { className: "hint", children: "Paid. The doctor has been notified and will start the session; the chat opens then." })), user.role === "doctor" && c.status === "paid" && (_jsxs("div", { className: "actions", children: [_jsx("button", { type: "button", className: "primary", disabled: busy, onClick: () => void act(api.acceptConsultation), children: "Accept and start" }), _jsx("button", { type: "button", className: "danger", disabled: busy, onClick: () => void act(api.declineConsultation), children: "Decline" })] })), user.role === "doctor" && c.status === "active" && (_jsx("button", { type: "button", className: "danger", disabled: busy, onClick: () => window.confirm("End this consultation now? The chat becomes read-only for both of you.") && void act(api.endConsultation), children: "End consultation" }))] }), c.conversationId ? (_jsx(ChatView, { conversationId: c.conversationId, title: name, readOnlyReason: c.status === "active"
                    ? null
                    : ended
                        ? "This consultation has ended. The chat stays here, read-only, as part of the medical record."
                        : "The chat opens when the doctor starts the consultation." })) : (!ended && _jsx("p", { children: "The chat opens once the consultation is paid and the doctor starts it." }))] }));
}
export function BookDoctor({ doctorId }) {
    const api = useApi();
    const { data: doctor, error } = useLoad(() => api.doctor(doctorId), [api, doctorId]);
    if (error)
        return _jsx(FormError, { error: error });
    if (!doctor)
        return _jsx(Loading, { what: "the doctor" });
    return _jsx(BookingForm, { doctor: doctor });
}
function BookingForm({ doctor }) {
    const api = useApi();
    const [when, setWhen] = useState(doctor.availableNow ? "now" : "later");
    const [startAt, setStartAt] = useState("");
    const [error, setError] = useState(null);
    const [busy, setBusy] = useState(false);
    const submit = async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
            const start = when === "later" && startAt ? new Date(startAt).toISOString() : undefined;
            const c = await api.book(doctor.id, start);
            // The checkout (simulated page or Midtrans) brings the payer back to /consultations/{id} afterwards.
            if (c.status === "awaiting_payment" && c.payment?.redirectUrl)
                window.location.assign(c.payment.redirectUrl);
            else
                navigate(`/consultations/${c.id}`);
        }
        catch (err) {
            setError(err);
            setBusy(false);
        }
    };
    return (_jsxs("section", { children: [_jsx("p", { children: _jsx(Link, { to: "/doctors", children: "\u2190 Doctors" }) }), _jsxs("h1", { children: ["Book ", doctor.displayName] }), _jsxs("p", { children: [doctor.specialty || "General practice", " \u00B7 ", _jsx("strong", { children: formatIdr(doctor.fee) })] }), doctor.bio && _jsx("p", { className: "bio", children: doctor.bio }), _jsx(ScheduleSummary, { schedule: doctor.schedule }), _jsxs("form", { onSubmit: submit, noValidate: true, "aria-label": "Book a consultation", className: "panel", children: [_jsx(FormError, { error: error }), _jsxs("fieldset", { children: [_jsx("legend", { children: "When" }), _jsxs("label", { className: "choice", children: [_jsx("input", { type: "radio", name: "when", value: "now", checked: when === "now", onChange: () => setWhen("now"), disabled: !doctor.availableNow }), "Now ", doctor.availableNow ? "" : "(not available now)"] }), _jsxs("label", { className: "choice", children: [_jsx("input", { type: "radio", name: "when", value: "later", checked: when === "later", onChange: () => setWhen("later") }), "At a later time"] })] }), when === "later" && (_jsx(Field, { label: "Start", type: "datetime-local", value: startAt, required: true, onChange: (e) => setStartAt(e.target.value), hint: "In your device's time; it must fall in the doctor's working hours (clinic time).", error: fieldError(error, "startAt") })), _jsx("button", { type: "submit", className: "primary", disabled: busy || (when === "later" && !startAt), children: busy ? "Booking…" : `Continue to payment (${formatIdr(doctor.fee)})` })] })] }));
}
/** The doctor's live queue: paid requests arrive by consultationRequested; accept starts the session at once. */
export function DoctorQueue() {
    const api = useApi();
    const { data, setData, error, loading } = useLiveConsultations();
    const [actionError, setActionError] = useState(null);
    const [busy, setBusy] = useState(null);
    const act = async (action, id, open) => {
        setActionError(null);
        setBusy(id);
        try {
            const c = await action(id);
            setData((list) => upsertConsultation(list ?? [], c));
            if (open)
                navigate(`/consultations/${c.id}`);
        }
        catch (e) {
            setActionError(e);
        }
        finally {
            setBusy(null);
        }
    };
    const waiting = waitingRequests(data ?? []);
    const active = data?.filter((c) => c.status === "active") ?? [];
    return (_jsxs("section", { children: [_jsx("h1", { children: "Queue" }), _jsx(FormError, { error: error ?? actionError }), loading && !data && _jsx(Loading, { what: "your queue" }), _jsx("h2", { children: "Waiting for you" }), _jsxs("div", { "aria-live": "polite", children: [data && waiting.length === 0 && _jsx("p", { children: "No paid requests are waiting." }), _jsx("ul", { className: "cards", "aria-label": "Waiting requests", children: waiting.map((c) => (_jsxs("li", { className: "card request", "data-testid": "request-card", children: [_jsx("h3", { children: c.patientName }), _jsxs("p", { children: ["Paid ", formatIdr(c.fee), " \u00B7 booked for ", formatDateTime(c.startsAt)] }), c.acceptBy && _jsxs("p", { className: "hint", children: ["Accept by ", formatTime(c.acceptBy), " or it is cancelled and refunded."] }), _jsxs("div", { className: "actions", children: [_jsxs("button", { type: "button", className: "primary", disabled: busy === c.id, onClick: () => void act(api.acceptConsultation, c.id, true), children: ["Accept", _jsxs("span", { className: "visually-hidden", children: [" ", c.patientName] })] }), _jsxs("button", { type: "button", className: "danger", disabled: busy === c.id, onClick: () => void act(api.declineConsultation, c.id, false), children: ["Decline", _jsxs("span", { className: "visually-hidden", children: [" ", c.patientName] })] })] })] }, c.id))) })] }), _jsx("h2", { children: "In session" }), data && active.length === 0 && _jsx("p", { children: "No active consultations." }), _jsx("ul", { className: "cards", "aria-label": "Active consultations", children: active.map((c) => _jsx(ConsultationCard, { consultation: c }, c.id)) }), _jsx("p", { children: _jsx(Link, { to: "/consultations", children: "All consultations, including past ones" }) })] }));
}
