import { i18next } from "../i18n";

/** An RFC 9457 problem answer (or a network failure) in a shape views can show: a message and per-field errors. */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | null;
  readonly fieldErrors: Record<string, string[]>;
  /** The problem's stable `code` extension (e.g. "attachment.too_large"), for programs to decide on; null if absent. */
  readonly code: string | null;

  constructor(status: number, title: string, detail: string | null, fieldErrors: Record<string, string[]> = {}, code: string | null = null) {
    super(detail ?? title);
    this.name = "ApiError";
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.fieldErrors = fieldErrors;
    this.code = code;
  }

  /** 0 means the request never got an answer (offline, server down). */
  get isNetwork(): boolean {
    return this.status === 0;
  }

  /** The first error for a field, matching names case-insensitively ("Email" and "email" alike). */
  field(name: string): string | undefined {
    const key = Object.keys(this.fieldErrors).find((k) => k.toLowerCase() === name.toLowerCase());
    return key ? this.fieldErrors[key]?.[0] : undefined;
  }

  /** The message to show at the top of a form, in the reader's language when its code is known. */
  get summary(): string {
    if (this.isNetwork) return i18next.t("errors:network");
    // Validation problems carry a generic detail; the fields themselves say what is wrong.
    if (Object.keys(this.fieldErrors).length > 0) return i18next.t("errors:fieldsInvalid");
    return translatedCode(this.code) ?? this.detail ?? this.title;
  }

  static network(cause: unknown): ApiError {
    const e = new ApiError(0, "Network error", null);
    (e as { cause?: unknown }).cause = cause;
    return e;
  }

  static async fromResponse(response: Response): Promise<ApiError> {
    const text = await response.text().catch(() => "");
    return ApiError.fromBody(response.status, response.statusText, text);
  }

  /** From a status and the raw body (also for XMLHttpRequest answers, which are no Response). */
  static fromBody(status: number, statusText: string, text: string): ApiError {
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    const p = (body ?? {}) as { title?: unknown; detail?: unknown; errors?: unknown; code?: unknown };
    const title = typeof p.title === "string" ? p.title : statusText || `HTTP ${status}`;
    const detail = typeof p.detail === "string" ? p.detail : null;
    const errors: Record<string, string[]> = {};
    if (p.errors && typeof p.errors === "object") {
      for (const [k, v] of Object.entries(p.errors as Record<string, unknown>)) {
        if (Array.isArray(v)) errors[k] = v.filter((x): x is string => typeof x === "string");
        else if (typeof v === "string") errors[k] = [v];
      }
    }
    return new ApiError(status, title, detail, errors, typeof p.code === "string" ? p.code : null);
  }
}

/** The reader's-language text for a problem code, or null when the client does not know the code (yet). */
export function translatedCode(code: string | null): string | null {
  if (!code) return null;
  const key = `codes.${code}`;
  return i18next.exists(key, { ns: "errors" }) ? i18next.t(key, { ns: "errors", defaultValue: "" }) : null;
}
