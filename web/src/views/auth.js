import { jsx as _jsx, jsxs as _jsxs } from "react/jsx-runtime";
import { useState } from "react";
import { Field, FormError, fieldError, Notice } from "../components/ui";
import { useServices } from "../context";
import { useSubmit } from "../hooks";
import { Link, navigate } from "../router";
export function SignIn({ endedReason, registered }) {
    const { session } = useServices();
    const [email, setEmail] = useState("");
    const [password, setPassword] = useState("");
    const { submit, busy, error } = useSubmit(async () => {
        await session.login(email.trim(), password);
        navigate("/", { replace: true });
    });
    return (_jsxs("main", { className: "auth", id: "main", children: [_jsx("h1", { children: "Sign in to ClinicChat" }), endedReason && _jsx(Notice, { tone: "warning", children: endedReason }), registered && _jsx(Notice, { tone: "success", children: "Your account is ready. Sign in to continue." }), _jsxs("form", { onSubmit: submit, noValidate: true, "aria-label": "Sign in", children: [_jsx(FormError, { error: error }), _jsx(Field, { label: "Email", type: "email", name: "email", autoComplete: "username", required: true, value: email, onChange: (e) => setEmail(e.target.value), error: fieldError(error, "email") }), _jsx(Field, { label: "Password", type: "password", name: "password", autoComplete: "current-password", required: true, value: password, onChange: (e) => setPassword(e.target.value), error: fieldError(error, "password") }), _jsx("button", { type: "submit", className: "primary", disabled: busy, children: busy ? "Signing in…" : "Sign in" })] }), _jsxs("p", { children: ["New patient? ", _jsx(Link, { to: "/signup", children: "Create an account" })] })] }));
}
export function SignUp() {
    const { session } = useServices();
    const [displayName, setDisplayName] = useState("");
    const [email, setEmail] = useState("");
    const [password, setPassword] = useState("");
    const { submit, busy, error } = useSubmit(async () => {
        await session.register(email.trim(), password, displayName);
        // Sign straight in: a new patient wants to see doctors, not the sign-in form again.
        await session.login(email.trim(), password);
        navigate("/", { replace: true });
    });
    return (_jsxs("main", { className: "auth", id: "main", children: [_jsx("h1", { children: "Create a patient account" }), _jsxs("form", { onSubmit: submit, noValidate: true, "aria-label": "Sign up", children: [_jsx(FormError, { error: error }), _jsx(Field, { label: "Your name", name: "displayName", autoComplete: "name", required: true, maxLength: 100, value: displayName, hint: "As you would like the clinic to address you. One name is fine.", onChange: (e) => setDisplayName(e.target.value), error: fieldError(error, "displayName") }), _jsx(Field, { label: "Email", type: "email", name: "email", autoComplete: "email", required: true, value: email, onChange: (e) => setEmail(e.target.value), error: fieldError(error, "email") }), _jsx(Field, { label: "Password", type: "password", name: "password", autoComplete: "new-password", required: true, value: password, hint: "At least 10 characters.", onChange: (e) => setPassword(e.target.value), error: fieldError(error, "password") }), _jsx("button", { type: "submit", className: "primary", disabled: busy, children: busy ? "Creating account…" : "Create account" })] }), _jsxs("p", { children: ["Already have an account? ", _jsx(Link, { to: "/signin", children: "Sign in" })] })] }));
}
