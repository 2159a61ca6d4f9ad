import { jsx as _jsx, jsxs as _jsxs } from "react/jsx-runtime";
import { useState } from "react";
import { Field, FormError, fieldError, Loading, Notice, SelectField } from "../components/ui";
import { useApi, useUser } from "../context";
import { formatDateTime, formatIdr } from "../format";
import { useLoad, useSubmit } from "../hooks";
import { Link } from "../router";
import { DoctorEditor } from "./doctors";
export function AdminUsers() {
    const api = useApi();
    const me = useUser();
    const [filter, setFilter] = useState("");
    const { data, error, loading, reload } = useLoad(() => api.listUsers(filter || undefined), [api, filter]);
    const [actionError, setActionError] = useState(null);
    const disable = async (u) => {
        if (!window.confirm(`Disable ${u.displayName} (${u.email})? Their sessions end at once.`))
            return;
        setActionError(null);
        try {
            await api.disableUser(u.id);
            await reload();
        }
        catch (e) {
            setActionError(e);
        }
    };
    return (_jsxs("section", { children: [_jsx("h1", { children: "Users" }), _jsx(CreateStaff, { onCreated: () => void reload() }), _jsxs("div", { className: "panel", children: [_jsx("h2", { children: "All accounts" }), _jsxs(SelectField, { label: "Show", value: filter, onChange: (e) => setFilter(e.target.value), children: [_jsx("option", { value: "", children: "Everyone" }), _jsx("option", { value: "patient", children: "Patients" }), _jsx("option", { value: "doctor", children: "Doctors" }), _jsx("option", { value: "nurse", children: "Nurses" }), _jsx("option", { value: "admin", children: "Admins" })] }), _jsx(FormError, { error: error ?? actionError }), loading && !data && _jsx(Loading, { what: "users" }), _jsx("div", { className: "table-wrap", children: _jsxs("table", { children: [_jsx("caption", { className: "visually-hidden", children: "User accounts" }), _jsx("thead", { children: _jsxs("tr", { children: [_jsx("th", { scope: "col", children: "Name" }), _jsx("th", { scope: "col", children: "Email" }), _jsx("th", { scope: "col", children: "Role" }), _jsx("th", { scope: "col", children: "Status" }), _jsx("th", { scope: "col", children: "Actions" })] }) }), _jsx("tbody", { children: data?.map((u) => (_jsxs("tr", { children: [_jsx("td", { children: u.displayName }), _jsx("td", { className: "email", children: u.email }), _jsx("td", { children: u.role }), _jsx("td", { children: u.disabled ? "Disabled" : `Active since ${formatDateTime(u.createdAt)}` }), _jsxs("td", { className: "row-actions", children: [u.role === "doctor" && (_jsxs(Link, { className: "button", to: `/admin/doctors/${u.id}`, children: ["Edit profile", _jsxs("span", { className: "visually-hidden", children: [" of ", u.displayName] })] })), !u.disabled && u.id !== me.id && (_jsxs("button", { type: "button", className: "danger", onClick: () => void disable(u), children: ["Disable", _jsxs("span", { className: "visually-hidden", children: [" ", u.displayName] })] }))] })] }, u.id))) })] }) })] })] }));
}
function CreateStaff({ onCreated }) {
    const api = useApi();
    const [displayName, setDisplayName] = useState("");
    const [email, setEmail] = useState("");
    const [password, setPassword] = useState("");
    const [role, setRole] = useState("doctor");
    const [created, setCreated] = useState(null);
    const { submit, busy, error } = useSubmit(async () => {
        setCreated(null);
        const user = await api.createStaff({ email: email.trim(), password, displayName, role });
        setCreated({ id: user.id, name: user.displayName, role: user.role });
        setDisplayName("");
        setEmail("");
        setPassword("");
        onCreated();
    });
    return (_jsxs("form", { onSubmit: submit, noValidate: true, "aria-label": "Create staff account", className: "panel", children: [_jsx("h2", { children: "Create a staff account" }), _jsx(FormError, { error: error }), created && (_jsxs(Notice, { tone: "success", children: ["Created ", created.role, " account for ", created.name, ".", " ", created.role === "doctor" && _jsx(Link, { to: `/admin/doctors/${created.id}`, children: "Set their profile and schedule" })] })), _jsxs("div", { className: "grid", children: [_jsx(Field, { label: "Name", name: "displayName", required: true, value: displayName, onChange: (e) => setDisplayName(e.target.value), error: fieldError(error, "displayName") }), _jsx(Field, { label: "Email", name: "email", type: "email", required: true, value: email, onChange: (e) => setEmail(e.target.value), error: fieldError(error, "email") }), _jsx(Field, { label: "Initial password", name: "password", type: "password", autoComplete: "new-password", required: true, value: password, hint: "At least 10 characters; share it with them privately.", onChange: (e) => setPassword(e.target.value), error: fieldError(error, "password") }), _jsxs(SelectField, { label: "Role", name: "role", value: role, onChange: (e) => setRole(e.target.value), error: fieldError(error, "role"), children: [_jsx("option", { value: "doctor", children: "Doctor" }), _jsx("option", { value: "nurse", children: "Nurse or midwife" }), _jsx("option", { value: "admin", children: "Admin" })] })] }), _jsx("button", { type: "submit", className: "primary", disabled: busy, children: "Create account" })] }));
}
export function AdminDoctors() {
    const api = useApi();
    const { data, error, loading } = useLoad(() => api.doctors(), [api]);
    return (_jsxs("section", { children: [_jsx("h1", { children: "Doctors" }), _jsx(FormError, { error: error }), loading && !data && _jsx(Loading, { what: "doctors" }), _jsx("ul", { className: "list", children: data?.map((d) => (_jsxs("li", { children: [_jsx(Link, { to: `/admin/doctors/${d.id}`, children: d.displayName }), " \u00B7 ", d.specialty || "No specialty", " \u00B7 ", formatIdr(d.fee), " \u00B7", " ", d.schedule.length, " interval", d.schedule.length === 1 ? "" : "s"] }, d.id))) })] }));
}
export function AdminDoctor({ doctorId }) {
    const api = useApi();
    const { data, setData, error } = useLoad(() => api.doctor(doctorId), [api, doctorId]);
    return (_jsxs("section", { children: [_jsx("p", { children: _jsx(Link, { to: "/admin/doctors", children: "\u2190 All doctors" }) }), _jsx("h1", { children: data ? data.displayName : "Doctor" }), _jsx(FormError, { error: error }), !data && !error && _jsx(Loading, { what: "the doctor" }), data && _jsx(DoctorEditor, { doctor: data, onSaved: setData })] }));
}
export function AdminNurses() {
    const api = useApi();
    const patients = useLoad(() => api.listUsers("patient"), [api]);
    const nurses = useLoad(() => api.listUsers("nurse"), [api]);
    const assignments = useLoad(() => api.nurseAssignments(), [api]);
    const [patientId, setPatientId] = useState("");
    const [nurseId, setNurseId] = useState("");
    const [error, setError] = useState(null);
    const [done, setDone] = useState(null);
    const submit = async (e) => {
        e.preventDefault();
        setError(null);
        setDone(null);
        try {
            await api.assignNurse(patientId, nurseId);
            const p = patients.data?.find((x) => x.id === patientId);
            const n = nurses.data?.find((x) => x.id === nurseId);
            setDone(`${n?.displayName ?? "The nurse"} now cares for ${p?.displayName ?? "the patient"}.`);
            void assignments.reload();
        }
        catch (err) {
            setError(err);
        }
    };
    return (_jsxs("section", { children: [_jsx("h1", { children: "Nurse assignment" }), _jsxs("form", { onSubmit: submit, noValidate: true, "aria-label": "Assign a nurse", className: "panel", children: [_jsx(FormError, { error: error ?? patients.error ?? nurses.error }), done && _jsx(Notice, { tone: "success", children: done }), _jsxs(SelectField, { label: "Patient", required: true, value: patientId, onChange: (e) => setPatientId(e.target.value), error: fieldError(error, "patientId"), children: [_jsx("option", { value: "", children: "Choose a patient" }), patients.data?.filter((p) => !p.disabled).map((p) => (_jsxs("option", { value: p.id, children: [p.displayName, " (", p.email, ")"] }, p.id)))] }), _jsxs(SelectField, { label: "Nurse or midwife", required: true, value: nurseId, onChange: (e) => setNurseId(e.target.value), error: fieldError(error, "nurseId"), children: [_jsx("option", { value: "", children: "Choose a nurse" }), nurses.data?.filter((n) => !n.disabled).map((n) => (_jsx("option", { value: n.id, children: n.displayName }, n.id)))] }), _jsx("button", { type: "submit", className: "primary", disabled: !patientId || !nurseId, children: "Assign" })] }), _jsx("h2", { children: "Current assignments" }), _jsx(FormError, { error: assignments.error }), assignments.data && assignments.data.length === 0 && _jsx("p", { children: "No patient has a nurse yet." }), assignments.data && assignments.data.length > 0 && (_jsx("div", { className: "table-wrap", children: _jsxs("table", { children: [_jsx("caption", { className: "visually-hidden", children: "Current nurse assignments" }), _jsx("thead", { children: _jsxs("tr", { children: [_jsx("th", { scope: "col", children: "Patient" }), _jsx("th", { scope: "col", children: "Nurse or midwife" }), _jsx("th", { scope: "col", children: "Since" })] }) }), _jsx("tbody", { children: assignments.data.map((a) => (_jsxs("tr", { children: [_jsx("td", { children: a.patientName }), _jsx("td", { children: a.nurseName }), _jsx("td", { children: formatDateTime(a.assignedAt) })] }, a.patientId))) })] }) }))] }));
}
