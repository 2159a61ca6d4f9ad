/** An RFC 9457 problem answer (or a network failure) in a shape views can show: a message and per-field errors. */
export class ApiError extends Error {
    status;
    title;
    detail;
    fieldErrors;
    constructor(status, title, detail, fieldErrors = {}) {
        super(detail ?? title);
        this.name = "ApiError";
        this.status = status;
        this.title = title;
        this.detail = detail;
        this.fieldErrors = fieldErrors;
    }
    /** 0 means the request never got an answer (offline, server down). */
    get isNetwork() {
        return this.status === 0;
    }
    /** The first error for a field, matching names case-insensitively ("Email" and "email" alike). */
    field(name) {
        const key = Object.keys(this.fieldErrors).find((k) => k.toLowerCase() === name.toLowerCase());
        return key ? this.fieldErrors[key]?.[0] : undefined;
    }
    /** The message to show at the top of a form: the detail, else the title. */
    get summary() {
        if (this.isNetwork)
            return "Cannot reach the clinic server. Check your connection and try again.";
        // Validation problems carry a generic detail; the fields themselves say what is wrong.
        if (Object.keys(this.fieldErrors).length > 0)
            return "Please correct the fields marked below.";
        return this.detail ?? this.title;
    }
    static network(cause) {
        const e = new ApiError(0, "Network error", null);
        e.cause = cause;
        return e;
    }
    static async fromResponse(response) {
        let body = null;
        try {
            const text = await response.text();
            body = text ? JSON.parse(text) : null;
        }
        catch {
            body = null;
        }
        const p = (body ?? {});
        const title = typeof p.title === "string" ? p.title : response.statusText || `HTTP ${response.status}`;
        const detail = typeof p.detail === "string" ? p.detail : null;
        const errors = {};
        if (p.errors && typeof p.errors === "object") {
            for (const [k, v] of Object.entries(p.errors)) {
                if (Array.isArray(v))
                    errors[k] = v.filter((x) => typeof x === "string");
                else if (typeof v === "string")
                    errors[k] = [v];
            }
        }
        return new ApiError(response.status, title, detail, errors);
    }
}
