/** The clinic this server belongs to, as GET /api/v1/clinic describes it; known before anyone signs in. */
export interface Clinic {
  name: string;
  timeZone: string;
  defaultLanguage: string;
  languages: string[];
  currency: string;
}

const fallback: Clinic = { name: "ClinicChat", timeZone: "Asia/Jakarta", defaultLanguage: "id", languages: ["id", "en"], currency: "IDR" };

let current: Clinic = fallback;

export function clinic(): Clinic {
  return current;
}

/** Loaded once before the first render; a server that cannot answer yet still gets a usable client in its defaults. */
export async function loadClinic(): Promise<Clinic> {
  try {
    const response = await fetch("/api/v1/clinic", { headers: { Accept: "application/json" } });
    if (response.ok) current = { ...fallback, ...((await response.json()) as Partial<Clinic>) };
  } catch {
    // Offline at start: the defaults match a stock server.
  }
  return current;
}
