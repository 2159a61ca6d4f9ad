import type { Translation } from "../translation";

const en = {
  appName: "ClinicChat",
  language: {
    label: "Language",
    id: "Bahasa Indonesia",
    en: "English",
  },
  loading: "Loading {{what}}…",
  skipToContent: "Skip to content",
  signOut: "Sign out",
  retry: "Try again",
  cancel: "Cancel",
  save: "Save",
  close: "Close",
  unreadMessages_one: "{{count}} unread message",
  unreadMessages_other: "{{count}} unread messages",
  weekDays: {
    "1": "Monday",
    "2": "Tuesday",
    "3": "Wednesday",
    "4": "Thursday",
    "5": "Friday",
    "6": "Saturday",
    "7": "Sunday",
  },
  duration: {
    seconds: "{{count}} s",
    minutes: "{{count}} min",
    hours: "{{count}} h",
    hoursMinutes: "{{hours}} h {{minutes}} min",
  },
  preview: {
    deleted: "Message deleted",
    photo: "📷 Photo",
    attachments_one: "📎 {{count}} attachment",
    attachments_other: "📎 {{count}} attachments",
  },
  timeZoneNote: "Times are in {{zone}}",
};

const id: Translation<typeof en> = {
  appName: "ClinicChat",
  language: {
    label: "Bahasa",
    id: "Bahasa Indonesia",
    en: "English",
  },
  loading: "Memuat {{what}}…",
  skipToContent: "Langsung ke konten",
  signOut: "Keluar",
  retry: "Coba lagi",
  cancel: "Batal",
  save: "Simpan",
  close: "Tutup",
  unreadMessages_one: "{{count}} pesan belum dibaca",
  unreadMessages_other: "{{count}} pesan belum dibaca",
  weekDays: {
    "1": "Senin",
    "2": "Selasa",
    "3": "Rabu",
    "4": "Kamis",
    "5": "Jumat",
    "6": "Sabtu",
    "7": "Minggu",
  },
  duration: {
    seconds: "{{count}} dtk",
    minutes: "{{count}} mnt",
    hours: "{{count}} jam",
    hoursMinutes: "{{hours}} jam {{minutes}} mnt",
  },
  preview: {
    deleted: "Pesan dihapus",
    photo: "📷 Foto",
    attachments_one: "📎 {{count}} lampiran",
    attachments_other: "📎 {{count}} lampiran",
  },
  timeZoneNote: "Waktu dalam {{zone}}",
};

export const common = { en, id };
