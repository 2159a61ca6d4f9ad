import { browserTimers } from "../auth/refreshScheduler";
/** How often "still typing" is repeated; the server forgets typing a few seconds after the last refresh. */
export const TYPING_REFRESH_MS = 3000;
/** Without a keystroke for this long, typing is reported as stopped. */
export const TYPING_IDLE_MS = 5000;
/**
 * Turns keystrokes into few Typing(true) calls (at most one per TYPING_REFRESH_MS) and one Typing(false) when
 * the user sends, leaves the box, or pauses.
 */
export class TypingThrottle {
    send;
    timers;
    typing = false;
    lastSentAt = 0;
    idle = null;
    constructor(send, timers = browserTimers) {
        this.send = send;
        this.timers = timers;
    }
    input() {
        const now = this.timers.now();
        if (!this.typing || now - this.lastSentAt >= TYPING_REFRESH_MS) {
            this.typing = true;
            this.lastSentAt = now;
            this.send(true);
        }
        if (this.idle !== null)
            this.timers.clearTimeout(this.idle);
        this.idle = this.timers.setTimeout(() => this.stop(), TYPING_IDLE_MS);
    }
    stop() {
        if (this.idle !== null)
            this.timers.clearTimeout(this.idle);
        this.idle = null;
        if (!this.typing)
            return;
        this.typing = false;
        this.send(false);
    }
}
