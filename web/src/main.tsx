import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Api } from "./api/client";
import { Session } from "./auth/session";
import { App } from "./App";
import { ServicesContext } from "./context";
import "./styles.css";

const session = new Session();
const api = new Api(session);
void session.restore();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <ServicesContext.Provider value={{ session, api }}>
      <App />
    </ServicesContext.Provider>
  </StrictMode>,
);
