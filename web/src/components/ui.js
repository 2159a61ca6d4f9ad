import { jsx as _jsx, jsxs as _jsxs } from "react/jsx-runtime";
import { useId } from "react";
import { ApiError } from "../api/problem";
/** A labelled input with its error announced and linked (aria-describedby), as every form field here is. */
export function Field({ label, error, hint, ...input }) {
    const id = useId();
    const described = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ") || undefined;
    return (_jsxs("div", { className: "field", children: [_jsx("label", { htmlFor: id, children: label }), _jsx("input", { id: id, "aria-invalid": error ? true : undefined, "aria-describedby": described, ...input }), hint && (_jsx("p", { className: "hint", id: `${id}-hint`, children: hint })), error && (_jsx("p", { className: "field-error", id: `${id}-error`, children: error }))] }));
}
export function SelectField({ label, error, children, ...select }) {
    const id = useId();
    return (_jsxs("div", { className: "field", children: [_jsx("label", { htmlFor: id, children: label }), _jsx("select", { id: id, "aria-invalid": error ? true : undefined, "aria-describedby": error ? `${id}-error` : undefined, ...select, children: children }), error && (_jsx("p", { className: "field-error", id: `${id}-error`, children: error }))] }));
}
export function TextAreaField({ label, error, ...area }) {
    const id = useId();
    return (_jsxs("div", { className: "field", children: [_jsx("label", { htmlFor: id, children: label }), _jsx("textarea", { id: id, "aria-invalid": error ? true : undefined, "aria-describedby": error ? `${id}-error` : undefined, ...area }), error && (_jsx("p", { className: "field-error", id: `${id}-error`, children: error }))] }));
}
/** The form-level message of a failed request (field errors are shown next to their fields). */
export function FormError({ error }) {
    if (!error)
        return null;
    const text = error instanceof ApiError ? error.summary : error instanceof Error ? error.message : String(error);
    return (_jsx("p", { className: "form-error", role: "alert", children: text }));
}
export function fieldError(error, name) {
    return error instanceof ApiError ? error.field(name) : undefined;
}
export function Notice({ children, tone = "info" }) {
    return (_jsx("p", { className: `notice notice-${tone}`, role: tone === "warning" ? "alert" : "status", children: children }));
}
export function Badge({ count, label }) {
    if (count <= 0)
        return null;
    return (_jsx("span", { className: "badge", "aria-label": `${count} ${label}`, children: count > 99 ? "99+" : count }));
}
export function PresenceDot({ online }) {
    if (online === undefined)
        return null;
    return _jsx("span", { className: `presence ${online ? "online" : "offline"}`, role: "img", "aria-label": online ? "Online" : "Offline" });
}
export function Loading({ what }) {
    return (_jsxs("p", { className: "loading", role: "status", children: ["Loading ", what, "\u2026"] }));
}
