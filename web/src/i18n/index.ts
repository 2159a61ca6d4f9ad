import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import { clinic } from "../clinic";
import { common } from "./locales/common";
import { errors } from "./locales/errors";

/**
 * Every namespace, bundled: the client is small enough that loading both languages up front costs less than a
 * round trip, and a language switch is then instant and works offline.
 */
const namespaces = { common, errors };

export type Language = "id" | "en";
export const languages: Language[] = ["id", "en"];

const resources = {
  en: Object.fromEntries(Object.entries(namespaces).map(([ns, v]) => [ns, v.en])),
  id: Object.fromEntries(Object.entries(namespaces).map(([ns, v]) => [ns, v.id])),
};

const storageKey = "clinicchat.language";

function isLanguage(value: string | null | undefined): value is Language {
  return value === "id" || value === "en";
}

/** The user's remembered choice on this device, else the clinic's default. */
function initialLanguage(): Language {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(storageKey);
  } catch {
    // Storage can be blocked (private modes); the clinic's default still applies.
  }
  if (isLanguage(stored)) return stored;
  const fallback = clinic().defaultLanguage;
  return isLanguage(fallback) ? fallback : "id";
}

export async function initI18n(): Promise<void> {
  i18next.on("languageChanged", (lng) => {
    if (typeof document !== "undefined") document.documentElement.lang = lng;
  });
  await i18next.use(initReactI18next).init({
    resources,
    lng: initialLanguage(),
    fallbackLng: "en",
    defaultNS: "common",
    ns: Object.keys(namespaces),
    interpolation: { escapeValue: false }, // React escapes.
    returnNull: false,
  });
}

export function currentLanguage(): Language {
  return isLanguage(i18next.language) ? i18next.language : "id";
}

export function setLanguage(language: Language): void {
  try {
    localStorage.setItem(storageKey, language);
  } catch {
    // Not remembered, but still switched for this visit.
  }
  void i18next.changeLanguage(language);
}

/** The BCP 47 locale for Intl formatting: Indonesian conventions for both (24-hour clock, day before month). */
export function intlLocale(language: Language = currentLanguage()): string {
  return language === "id" ? "id-ID" : "en-GB";
}

export { i18next };
