import type { Translation } from "../translation";

/**
 * Server problems by their stable `code` (the README's code table). A code missing here falls back to the
 * server's English detail, so a newer server never leaves a blank message.
 */
const en = {
  network: "Cannot reach the clinic server. Check your connection and try again.",
  fieldsInvalid: "Please correct the fields marked below.",
  // Nested by the code's dots: "auth.invalid_credentials" is codes.auth.invalid_credentials.
  codes: {
    request: { rate_limited: "Too many attempts. Please wait a moment and try again." },
    auth: {
      invalid_credentials: "Email or password is incorrect.",
      too_many_failures: "Too many failed sign-ins. Please try again later.",
    },
    server: {
      unavailable: "The clinic server is briefly unavailable. Please try again shortly.",
      error: "Something went wrong on the server. Please try again.",
    },
  },
};

const id: Translation<typeof en> = {
  network: "Tidak dapat terhubung ke server klinik. Periksa koneksi Anda lalu coba lagi.",
  fieldsInvalid: "Mohon perbaiki isian yang ditandai di bawah.",
  codes: {
    request: { rate_limited: "Terlalu banyak percobaan. Tunggu sebentar lalu coba lagi." },
    auth: {
      invalid_credentials: "Email atau kata sandi salah.",
      too_many_failures: "Terlalu banyak percobaan masuk yang gagal. Silakan coba lagi nanti.",
    },
    server: {
      unavailable: "Server klinik sedang tidak tersedia. Silakan coba lagi sebentar lagi.",
      error: "Terjadi kesalahan di server. Silakan coba lagi.",
    },
  },
};

export const errors = { en, id };
