import { clinic } from "./clinic";
import { intlLocale } from "./i18n";

const idr = new Intl.NumberFormat("id-ID", { style: "currency", currency: "IDR", minimumFractionDigits: 0, maximumFractionDigits: 0 });

/** Money is an integer IDR amount on the wire; shown the Indonesian way: "Rp 150.000". */
export function formatIdr(amount: number): string {
  // Intl separates "Rp" from the number with a no-break space; a plain space keeps copy, search and tests simple.
  return idr.format(amount).replace(/\u00a0/g, " ");
}

/**
 * Times are shown in the clinic's zone for everyone, whatever the device's zone: a patient travelling and the
 * doctor at the clinic must read the same "14:00" for the same appointment, as errors and schedules state it.
 */
export function formatTime(iso: string): string {
  return new Date(iso).toLocaleTimeString(intlLocale(), { hour: "2-digit", minute: "2-digit", timeZone: clinic().timeZone });
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(intlLocale(), { dateStyle: "medium", timeStyle: "short", timeZone: clinic().timeZone });
}

/** "Senin, 7 Desember 2026" style calendar day in the clinic's zone, for date separators and headings. */
export function formatDay(iso: string): string {
  return new Date(iso).toLocaleDateString(intlLocale(), { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: clinic().timeZone });
}

/** The clinic's zone by its short name ("WIB" for Asia/Jakarta in Indonesian), for "times are in ..." notes. */
export function zoneName(): string {
  const parts = new Intl.DateTimeFormat(intlLocale(), { timeZone: clinic().timeZone, timeZoneName: "short" }).formatToParts(new Date());
  return parts.find((p) => p.type === "timeZoneName")?.value ?? clinic().timeZone;
}

/** "4:09" for a countdown; never negative. */
export function formatCountdown(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

export const weekDays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;

/** "45 s", "3 min", "2 h 5 min" for durations such as the desk's response times. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

/** A message as a conversation list previews it: its text, else what it carries (a photo, a document's name). */
export function messagePreview(m: {
  text: string | null;
  deletedAt: string | null;
  attachments?: { fileName: string; contentType: string }[];
}): string {
  if (m.deletedAt) return "Message deleted";
  if (m.text) return m.text;
  const attachments = m.attachments ?? [];
  if (attachments.length === 0) return "";
  if (attachments.length > 1) return `📎 ${attachments.length} attachments`;
  return attachments[0]!.contentType.startsWith("image/") ? "📷 Photo" : `📎 ${attachments[0]!.fileName}`;
}
