import { jsx as _jsx } from "react/jsx-runtime";
import { useSyncExternalStore } from "react";
// A small history router: the app has a dozen flat routes, and the server falls back to index.html for them.
const NAVIGATE = "clinicchat:navigate";
function subscribe(listener) {
    window.addEventListener("popstate", listener);
    window.addEventListener(NAVIGATE, listener);
    return () => {
        window.removeEventListener("popstate", listener);
        window.removeEventListener(NAVIGATE, listener);
    };
}
export function usePath() {
    return useSyncExternalStore(subscribe, () => window.location.pathname);
}
export function navigate(to, options = {}) {
    if (to === window.location.pathname + window.location.search)
        return;
    if (options.replace)
        window.history.replaceState(null, "", to);
    else
        window.history.pushState(null, "", to);
    window.dispatchEvent(new Event(NAVIGATE));
    window.scrollTo(0, 0);
}
/** Matches "/doctors/:id/book" against a path; returns the parameters or null. */
export function match(pattern, path) {
    const p = pattern.split("/").filter(Boolean);
    const a = path.split("/").filter(Boolean);
    if (p.length !== a.length)
        return null;
    const params = {};
    for (let i = 0; i < p.length; i++) {
        const seg = p[i];
        if (seg.startsWith(":"))
            params[seg.slice(1)] = decodeURIComponent(a[i]);
        else if (seg !== a[i])
            return null;
    }
    return params;
}
export function Link({ to, children, onClick, ...rest }) {
    const path = usePath();
    const handle = (e) => {
        onClick?.(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey)
            return;
        e.preventDefault();
        navigate(to);
    };
    return (_jsx("a", { href: to, onClick: handle, "aria-current": path === to ? "page" : undefined, ...rest, children: children }));
}
