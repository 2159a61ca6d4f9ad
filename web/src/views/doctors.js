import { jsx as _jsx, jsxs as _jsxs, Fragment as _Fragment } from "react/jsx-runtime";
import { useEffect, useState } from "react";
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
    return (_jsxs("section", { children: [_jsx("h1", { children: "Doctors" }), _jsx(FormError, { error: error }), loading && !data && _jsx(Loading, { what: "doctors" }), data && data.length === 0 && _jsx("p", { children: "No doctors are listed yet." }), _jsx("ul", { className: "cards", "aria-label": "Doctors", children: data?.map((d) => (_jsxs("li", { className: "card doctor", "data-testid": "doctor-card", children: [_jsxs("div", { className: "card-head", children: [_jsxs("h2", { children: [d.displayName, " ", _jsx(PresenceDot, { online: chat?.isOnline(d.id) ?? d.online })] }), _jsx("span", { className: `availability ${d.availableNow ? "yes" : "no"}`, children: d.availableNow ? "Available now" : "Not available now" })] }), _jsx("p", { className: "specialty", children: d.specialty || "General practice" }), _jsxs("p", { className: "fee", children: [_jsx("span", { className: "visually-hidden", children: "Fee: " }), formatIdr(d.fee)] }), d.bio && _jsx("p", { className: "bio", children: d.bio }), _jsx(ScheduleSummary, { schedule: d.schedule }), user.role === "patient" && (_jsxs(Link, { className: "button primary", to: `/doctors/${d.id}/book`, children: ["Book a consultation", _jsxs("span", { className: "visually-hidden", children: [" with ", d.displayName] })] })), user.role === "admin" && (_jsxs(Link, { className: "button", to: `/admin/doctors/${d.id}`, children: ["Edit", _jsxs("span", { className: "visually-hidden", children: [" ", d.displayName] })] }))] }, d.id))) })] }));
}
export function ScheduleSummary({ schedule }) {
    if (schedule.length === 0)
        return _jsx("p", { className: "schedule", children: "No working hours set." });
    return (_jsxs("details", { className: "schedule", children: [_jsx("summary", { children: "Working hours (clinic time)" }), _jsx("ul", { children: schedule.map((s, i) => (_jsxs("li", { children: [s.dayOfWeek, " ", s.start, "\u2013", s.end] }, i))) })] }));
}
/** Profile and weekly schedule of one doctor: used by the doctor for themselves and by admins for anyone. */
export function DoctorEditor({ doctor, onSaved }) {
    return (_jsxs(_Fragment, { children: [_jsx(ProfileForm, { doctor: doctor, onSaved: onSaved }), _jsx(ScheduleForm, { doctor: doctor, onSaved: (schedule) => onSaved({ ...doctor, schedule }) })] }));
}
function ProfileForm({ doctor, onSaved }) {
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
    return (_jsxs("form", { onSubmit: submit, noValidate: true, "aria-label": "Profile", className: "panel", children: [_jsx("h2", { children: "Profile" }), _jsx(FormError, { error: error }), saved && _jsx(Notice, { tone: "success", children: "Profile saved." }), _jsx(Field, { label: "Specialty", name: "specialty", maxLength: 100, value: specialty, onChange: (e) => setSpecialty(e.target.value), error: fieldError(error, "specialty") }), _jsx(Field, { label: "Fee (IDR)", name: "fee", inputMode: "numeric", value: fee, onChange: (e) => setFee(e.target.value), hint: /^\d+$/.test(fee) ? `Shown to patients as ${formatIdr(Number(fee))}` : "A whole rupiah amount, e.g. 150000", error: fieldError(error, "fee") }), _jsx(TextAreaField, { label: "Bio", name: "bio", rows: 3, maxLength: 2000, value: bio, onChange: (e) => setBio(e.target.value), error: fieldError(error, "bio") }), _jsx("button", { type: "submit", className: "primary", disabled: busy, children: "Save profile" })] }));
}
function ScheduleForm({ doctor, onSaved }) {
    const api = useApi();
    const [rows, setRows] = useState(doctor.schedule);
    const [saved, setSaved] = useState(false);
    const change = (i, patch) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
    const { submit, busy, error } = useSubmit(async () => {
        setSaved(false);
        const schedule = await api.updateSchedule(doctor.id, rows);
        setRows(schedule);
        onSaved(schedule);
        setSaved(true);
    });
    // Schedule errors are keyed "[index].field" (or "[index]" for overlaps).
    const rowError = (i, field) => fieldError(error, field ? `[${i}].${field}` : `[${i}]`);
    return (_jsxs("form", { onSubmit: submit, noValidate: true, "aria-label": "Weekly schedule", className: "panel", children: [_jsx("h2", { children: "Weekly schedule" }), _jsx("p", { className: "hint", children: "Hours are in the clinic's time zone." }), _jsx(FormError, { error: error }), saved && _jsx(Notice, { tone: "success", children: "Schedule saved." }), rows.length === 0 && _jsx("p", { children: "No working hours: patients cannot book." }), _jsx("ol", { className: "schedule-rows", children: rows.map((r, i) => (_jsx("li", { className: "schedule-row", children: _jsxs("fieldset", { children: [_jsxs("legend", { children: ["Interval ", i + 1] }), _jsx(SelectField, { label: "Day", value: r.dayOfWeek, onChange: (e) => change(i, { dayOfWeek: e.target.value }), error: rowError(i, "dayOfWeek"), children: weekDays.map((d) => (_jsx("option", { value: d, children: d }, d))) }), _jsx(Field, { label: "From", type: "time", value: r.start, onChange: (e) => change(i, { start: e.target.value }), error: rowError(i, "start") }), _jsx(Field, { label: "To", type: "time", value: r.end, onChange: (e) => change(i, { end: e.target.value }), error: rowError(i, "end") }), _jsxs("button", { type: "button", onClick: () => setRows(rows.filter((_, j) => j !== i)), children: ["Remove", _jsxs("span", { className: "visually-hidden", children: [" interval ", i + 1] })] }), rowError(i) && _jsx("p", { className: "field-error", children: rowError(i) })] }) }, i))) }), _jsxs("div", { className: "actions", children: [_jsx("button", { type: "button", onClick: () => setRows([...rows, { dayOfWeek: "Monday", start: "08:00", end: "17:00" }]), children: "Add interval" }), _jsx("button", { type: "submit", className: "primary", disabled: busy, children: "Save schedule" })] })] }));
}
export function MyProfile() {
    const api = useApi();
    const user = useUser();
    const { data, setData, error } = useLoad(() => api.doctor(user.id), [api, user.id]);
    return (_jsxs("section", { children: [_jsx("h1", { children: "My profile" }), _jsx(FormError, { error: error }), !data && !error && _jsx(Loading, { what: "your profile" }), data && _jsx(DoctorEditor, { doctor: data, onSaved: setData })] }));
}
