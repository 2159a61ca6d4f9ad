import { jsx as _jsx, Fragment as _Fragment, jsxs as _jsxs } from "react/jsx-runtime";
import { useEffect, useState, useSyncExternalStore } from "react";
import { ChatHub } from "./chat/hub";
import { ChatService } from "./chat/service";
import { Badge, Loading } from "./components/ui";
import { ChatContext, useChat, UserContext, useServices } from "./context";
import { Link, match, navigate, usePath } from "./router";
import { AdminDoctor, AdminDoctors, AdminNurses, AdminUsers } from "./views/admin";
import { SignIn, SignUp } from "./views/auth";
import { ConversationPage } from "./views/chat";
import { BookDoctor, ConsultationPage, Consultations, DoctorQueue } from "./views/consultations";
import { CarePatients, MyNurse } from "./views/care";
import { DoctorsList, MyProfile } from "./views/doctors";
import { SupportChat, SupportDesk, SupportRoomPage } from "./views/support";
const homeOf = {
    patient: "/doctors",
    doctor: "/queue",
    nurse: "/patients",
    admin: "/admin/users",
};
const navOf = {
    patient: [
        ["/doctors", "Doctors"],
        ["/consultations", "My consultations"],
        ["/care", "My nurse"],
        ["/support", "Support"],
    ],
    doctor: [
        ["/queue", "Queue"],
        ["/consultations", "Consultations"],
        ["/profile", "My profile"],
        ["/support", "Support"],
    ],
    nurse: [
        ["/patients", "My patients"],
        ["/support", "Support"],
    ],
    admin: [
        ["/admin/users", "Users"],
        ["/admin/doctors", "Doctors"],
        ["/admin/nurses", "Nurse assignment"],
        ["/admin/support", "Support desk"],
    ],
};
export function App() {
    const { session } = useServices();
    const state = useSyncExternalStore(session.subscribe, session.getSnapshot);
    const path = usePath();
    if (state.restoring)
        return _jsx(Loading, { what: "your session" });
    if (!state.user) {
        if (path === "/signup")
            return _jsx(SignUp, {});
        return (_jsxs(_Fragment, { children: [path !== "/signin" && _jsx(Redirect, { to: "/signin" }), _jsx(SignIn, { endedReason: state.endedReason, registered: false })] }));
    }
    return _jsx(Shell, { user: state.user });
}
function Shell({ user }) {
    const { session, api } = useServices();
    const [chat, setChat] = useState(null);
    useEffect(() => {
        // One hub connection per signed-in user, created here so that signing out tears it down completely.
        const hub = new ChatHub(() => session.accessToken(), () => session.refresh());
        const service = new ChatService(api, hub, user.id);
        setChat(service);
        void hub.start();
        return () => {
            service.dispose();
            void hub.stop();
            setChat(null);
        };
    }, [session, api, user.id]);
    return (_jsx(UserContext.Provider, { value: user, children: _jsxs(ChatContext.Provider, { value: chat, children: [_jsx("a", { className: "skip-link", href: "#main", children: "Skip to content" }), _jsx(Header, { user: user }), _jsx(ConnectionBanner, {}), _jsx("main", { id: "main", tabIndex: -1, children: _jsx(Routes, { user: user }) })] }) }));
}
function Header({ user }) {
    const { session } = useServices();
    const chat = useChat();
    const total = chat?.unread.total ?? 0;
    return (_jsxs("header", { className: "top", children: [_jsxs("div", { className: "brand", children: [_jsx(Link, { to: "/", children: "ClinicChat" }), _jsx(Badge, { count: total, label: "unread messages" })] }), _jsx("nav", { "aria-label": "Main", children: _jsx("ul", { children: navOf[user.role].map(([to, label]) => (_jsx("li", { children: _jsx(Link, { to: to, children: label }) }, to))) }) }), _jsxs("div", { className: "who", children: [_jsxs("span", { className: "who-name", children: [user.displayName, " ", _jsxs("span", { className: "role", children: ["(", user.role, ")"] })] }), _jsx("button", { type: "button", onClick: () => void session.logout(), children: "Sign out" })] })] }));
}
function ConnectionBanner() {
    const chat = useChat();
    const status = chat?.status;
    if (status !== "reconnecting")
        return null;
    return (_jsx("div", { className: "banner", role: "status", "aria-live": "polite", children: "Reconnecting\u2026 Messages you send will go out when the connection is back." }));
}
function Routes({ user }) {
    const path = usePath();
    const role = user.role;
    const routes = [
        ["/doctors", ["patient", "admin"], () => _jsx(DoctorsList, {})],
        ["/doctors/:id/book", ["patient"], (p) => _jsx(BookDoctor, { doctorId: p.id })],
        ["/consultations", ["patient", "doctor"], () => _jsx(Consultations, {})],
        ["/consultations/:id", ["patient", "doctor"], (p) => _jsx(ConsultationPage, { consultationId: p.id })],
        ["/queue", ["doctor"], () => _jsx(DoctorQueue, {})],
        ["/profile", ["doctor"], () => _jsx(MyProfile, {})],
        ["/care", ["patient"], () => _jsx(MyNurse, {})],
        ["/patients", ["nurse"], () => _jsx(CarePatients, {})],
        ["/support", ["patient", "doctor", "nurse"], () => _jsx(SupportChat, {})],
        ["/chat/:id", ["patient", "doctor", "nurse", "admin"], (p) => _jsx(ConversationPage, { conversationId: p.id })],
        ["/admin/users", ["admin"], () => _jsx(AdminUsers, {})],
        ["/admin/doctors", ["admin"], () => _jsx(AdminDoctors, {})],
        ["/admin/doctors/:id", ["admin"], (p) => _jsx(AdminDoctor, { doctorId: p.id })],
        ["/admin/nurses", ["admin"], () => _jsx(AdminNurses, {})],
        ["/admin/support", ["admin"], () => _jsx(SupportDesk, {})],
        ["/admin/support/:id", ["admin"], (p) => _jsx(SupportRoomPage, { roomId: p.id })],
    ];
    if (path === "/" || path === "/signin" || path === "/signup")
        return _jsx(Redirect, { to: homeOf[role] });
    for (const [pattern, roles, render] of routes) {
        const params = match(pattern, path);
        if (params) {
            if (!roles.includes(role))
                return _jsx(NotFound, { message: "This page is not available for your role." });
            return _jsx(_Fragment, { children: render(params) });
        }
    }
    return _jsx(NotFound, { message: "There is nothing at this address." });
}
function Redirect({ to }) {
    useEffect(() => navigate(to, { replace: true }), [to]);
    return null;
}
function NotFound({ message }) {
    return (_jsxs("section", { children: [_jsx("h1", { children: "Page not found" }), _jsx("p", { children: message }), _jsx("p", { children: _jsx(Link, { to: "/", children: "Go to your home page" }) })] }));
}
