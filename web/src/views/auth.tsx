import { useState } from "react";
import { Field, FormError, fieldError, Notice } from "../components/ui";
import { useServices } from "../context";
import { useSubmit } from "../hooks";
import { Link, navigate } from "../router";

export function SignIn({ endedReason, registered }: { endedReason: string | null; registered: boolean }) {
  const { session } = useServices();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  const { submit, busy, error } = useSubmit(async () => {
    await session.login(email.trim(), password);
    navigate("/", { replace: true });
  });

  return (
    <main className="auth" id="main">
      <h1>Sign in to ClinicChat</h1>
      {endedReason && <Notice tone="warning">{endedReason}</Notice>}
      {registered && <Notice tone="success">Your account is ready. Sign in to continue.</Notice>}
      <form onSubmit={submit} noValidate aria-label="Sign in">
        <FormError error={error} />
        <Field label="Email" type="email" name="email" autoComplete="username" required value={email}
          onChange={(e) => setEmail(e.target.value)} error={fieldError(error, "email")} />
        <Field label="Password" type="password" name="password" autoComplete="current-password" required value={password}
          onChange={(e) => setPassword(e.target.value)} error={fieldError(error, "password")} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p>
        New patient? <Link to="/signup">Create an account</Link>
      </p>
      <p>
        <Link to="/articles">Read our health articles</Link> (no account needed)
      </p>
    </main>
  );
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

  return (
    <main className="auth" id="main">
      <h1>Create a patient account</h1>
      <form onSubmit={submit} noValidate aria-label="Sign up">
        <FormError error={error} />
        <Field label="Your name" name="displayName" autoComplete="name" required maxLength={100} value={displayName}
          hint="As you would like the clinic to address you. One name is fine."
          onChange={(e) => setDisplayName(e.target.value)} error={fieldError(error, "displayName")} />
        <Field label="Email" type="email" name="email" autoComplete="email" required value={email}
          onChange={(e) => setEmail(e.target.value)} error={fieldError(error, "email")} />
        <Field label="Password" type="password" name="password" autoComplete="new-password" required value={password}
          hint="At least 10 characters." onChange={(e) => setPassword(e.target.value)} error={fieldError(error, "password")} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Creating account…" : "Create account"}
        </button>
      </form>
      <p>
        Already have an account? <Link to="/signin">Sign in</Link>
      </p>
    </main>
  );
}
