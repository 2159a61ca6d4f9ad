import { useEffect, useState, useSyncExternalStore, type ReactNode } from "react";
import type { Role, User } from "./api/types";
import { ChatHub } from "./chat/hub";
import { ChatService } from "./chat/service";
import { LanguageSwitch } from "./components/LanguageSwitch";
import { Badge, Loading } from "./components/ui";
import { ChatContext, useChat, UserContext, useServices } from "./context";
import { Link, match, navigate, usePath } from "./router";
import { AdminDoctor, AdminDoctors, AdminNurses, AdminRefunds, AdminUsers } from "./views/admin";
import { AdminArticleEditor, AdminArticles, ArticlesPage, ArticleView, PublicArticles } from "./views/articles";
import { SignIn, SignUp } from "./views/auth";
import { ConversationPage } from "./views/chat";
import { BookDoctor, ConsultationPage, Consultations, DoctorQueue } from "./views/consultations";
import { CarePatients, MyNurse } from "./views/care";
import { DoctorsList, MyProfile } from "./views/doctors";
import { SupportChat, SupportDesk, SupportRoomPage } from "./views/support";

const homeOf: Record<Role, string> = {
  patient: "/doctors",
  doctor: "/queue",
  nurse: "/patients",
  admin: "/admin/users",
};

const navOf: Record<Role, [string, string][]> = {
  patient: [
    ["/doctors", "Doctors"],
    ["/consultations", "My consultations"],
    ["/care", "My nurse"],
    ["/support", "Support"],
    ["/articles", "Health articles"],
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
    ["/admin/refunds", "Refunds"],
    ["/admin/support", "Support desk"],
    ["/admin/articles", "Articles"],
  ],
};

export function App() {
  const { session } = useServices();
  const state = useSyncExternalStore(session.subscribe, session.getSnapshot);
  const path = usePath();

  if (state.restoring) return <Loading what="your session" />;

  if (!state.user) {
    if (path === "/signup") return <SignUp />;
    // Health articles are public: readable without an account.
    if (path === "/articles" || path.startsWith("/articles/")) return <PublicArticles path={path} />;
    return (
      <>
        {/* A fresh sign-in lands on the role's home, so the address shows the sign-in page. */}
        {path !== "/signin" && <Redirect to="/signin" />}
        <SignIn endedReason={state.endedReason} registered={false} />
      </>
    );
  }
  return <Shell user={state.user} />;
}

function Shell({ user }: { user: User }) {
  const { session, api } = useServices();
  const [chat, setChat] = useState<ChatService | null>(null);

  useEffect(() => {
    // One hub connection per signed-in user, created here so that signing out tears it down completely.
    const hub = new ChatHub(() => session.accessToken(), () => session.refresh());
    const service = new ChatService(api, hub, user.id);
    // Publishing the connection this effect owns is what the state is for; it cannot be made during render
    // (the service starts requests) nor kept across the cleanup that tears it down.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setChat(service);
    void hub.start();
    return () => {
      service.dispose();
      void hub.stop();
      setChat(null);
    };
  }, [session, api, user.id]);

  return (
    <UserContext.Provider value={user}>
      <ChatContext.Provider value={chat}>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <Header user={user} />
        <ConnectionBanner />
        <main id="main" tabIndex={-1}>
          <Routes user={user} />
        </main>
      </ChatContext.Provider>
    </UserContext.Provider>
  );
}

function Header({ user }: { user: User }) {
  const { session } = useServices();
  const chat = useChat();
  const total = chat?.unread.total ?? 0;
  return (
    <header className="top">
      <div className="brand">
        <Link to="/">ClinicChat</Link>
        <Badge count={total} label="unread messages" />
      </div>
      <nav aria-label="Main">
        <ul>
          {navOf[user.role].map(([to, label]) => (
            <li key={to}>
              <Link to={to}>{label}</Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="who">
        <LanguageSwitch />
        <span className="who-name">
          {user.displayName} <span className="role">({user.role})</span>
        </span>
        <button type="button" onClick={() => void session.logout()}>
          Sign out
        </button>
      </div>
    </header>
  );
}

function ConnectionBanner() {
  const chat = useChat();
  const status = chat?.status;
  if (status !== "reconnecting") return null;
  return (
    <div className="banner" role="status" aria-live="polite">
      Reconnecting… Messages you send will go out when the connection is back.
    </div>
  );
}

function Routes({ user }: { user: User }) {
  const path = usePath();
  const role = user.role;
  const routes: [string, Role[], (p: Record<string, string>) => ReactNode][] = [
    ["/doctors", ["patient", "admin"], () => <DoctorsList />],
    ["/doctors/:id/book", ["patient"], (p) => <BookDoctor doctorId={p.id!} />],
    ["/consultations", ["patient", "doctor"], () => <Consultations />],
    ["/consultations/:id", ["patient", "doctor"], (p) => <ConsultationPage consultationId={p.id!} />],
    ["/queue", ["doctor"], () => <DoctorQueue />],
    ["/profile", ["doctor"], () => <MyProfile />],
    ["/care", ["patient"], () => <MyNurse />],
    ["/patients", ["nurse"], () => <CarePatients />],
    ["/support", ["patient", "doctor", "nurse"], () => <SupportChat />],
    ["/chat/:id", ["patient", "doctor", "nurse", "admin"], (p) => <ConversationPage conversationId={p.id!} />],
    ["/admin/users", ["admin"], () => <AdminUsers />],
    ["/admin/doctors", ["admin"], () => <AdminDoctors />],
    ["/admin/doctors/:id", ["admin"], (p) => <AdminDoctor doctorId={p.id!} />],
    ["/admin/nurses", ["admin"], () => <AdminNurses />],
    ["/admin/refunds", ["admin"], () => <AdminRefunds />],
    ["/admin/support", ["admin"], () => <SupportDesk />],
    ["/admin/support/:id", ["admin"], (p) => <SupportRoomPage roomId={p.id!} />],
    ["/articles", ["patient", "doctor", "nurse", "admin"], () => <ArticlesPage />],
    ["/articles/:slug", ["patient", "doctor", "nurse", "admin"], (p) => <ArticleView slug={p.slug!} />],
    ["/admin/articles", ["admin"], () => <AdminArticles />],
    ["/admin/articles/new", ["admin"], () => <AdminArticleEditor />],
    ["/admin/articles/:id", ["admin"], (p) => <AdminArticleEditor articleId={p.id} />],
  ];

  if (path === "/" || path === "/signin" || path === "/signup") return <Redirect to={homeOf[role]} />;
  for (const [pattern, roles, render] of routes) {
    const params = match(pattern, path);
    if (params) {
      if (!roles.includes(role)) return <NotFound message="This page is not available for your role." />;
      return <>{render(params)}</>;
    }
  }
  return <NotFound message="There is nothing at this address." />;
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function NotFound({ message }: { message: string }) {
  return (
    <section>
      <h1>Page not found</h1>
      <p>{message}</p>
      <p>
        <Link to="/">Go to your home page</Link>
      </p>
    </section>
  );
}
