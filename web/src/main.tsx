import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Api } from "./api/client";
import { Session } from "./auth/session";
import { App } from "./App";
import { loadClinic } from "./clinic";
import { ServicesContext } from "./context";
import { initI18n } from "./i18n";
import "./styles.css";

const session = new Session();
const api = new Api(session);
void session.restore();

// The clinic's language and zone decide the very first screen, so they are known before it renders.
void loadClinic()
  .then(initI18n)
  .then(() =>
    createRoot(document.getElementById("root")!).render(
      <StrictMode>
        <ServicesContext.Provider value={{ session, api }}>
          <App />
        </ServicesContext.Provider>
      </StrictMode>,
    ),
  );
