import { API_BASE, REVOKED_MESSAGE, type Session } from "../auth/session";
import { SessionEndedError } from "../auth/refreshScheduler";
import { ApiError } from "./problem";
import type { Attachment } from "./types";

/** The part of XMLHttpRequest an upload uses; tests pass a fake. */
export type UploadXhr = Pick<
  XMLHttpRequest,
  "open" | "setRequestHeader" | "send" | "abort" | "status" | "statusText" | "responseText" | "upload" | "onload" | "onerror" | "onabort"
>;

export interface UploadHandle {
  /** The stored attachment; rejects with ApiError (refused, network), SessionEndedError, or UploadAbortedError. */
  done: Promise<Attachment>;
  abort(): void;
}

export class UploadAbortedError extends Error {
  constructor() {
    super("Upload cancelled");
    this.name = "UploadAbortedError";
  }
}

/**
 * One file to POST /conversations/{id}/attachments as multipart/form-data (part `file`). XMLHttpRequest rather than
 * fetch because only it reports upload progress. The token is taken the way every API call takes it (refreshed
 * first when about to expire), and a 401 refreshes once and sends again, as authorizedRequest does.
 */
export function uploadAttachment(
  session: Session,
  conversationId: string,
  file: File,
  onProgress: (loaded: number, total: number) => void,
  createXhr: () => UploadXhr = () => new XMLHttpRequest(),
): UploadHandle {
  let current: UploadXhr | null = null;
  let aborted = false;

  const attempt = (token: string) =>
    new Promise<{ status: number; statusText: string; text: string }>((resolve, reject) => {
      const xhr = createXhr();
      current = xhr;
      xhr.open("POST", `${API_BASE}/conversations/${encodeURIComponent(conversationId)}/attachments`);
      xhr.setRequestHeader("Authorization", `Bearer ${token}`);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
      xhr.onload = () => resolve({ status: xhr.status, statusText: xhr.statusText, text: xhr.responseText });
      xhr.onerror = () => reject(ApiError.network(new Error("upload failed")));
      xhr.onabort = () => reject(new UploadAbortedError());
      const form = new FormData();
      form.append("file", file, file.name);
      xhr.send(form);
    });

  const run = async (): Promise<Attachment> => {
    for (let n = 0; ; n++) {
      const token = await session.accessToken();
      if (aborted) throw new UploadAbortedError();
      const answer = await attempt(token);
      if (answer.status === 401) {
        if (n === 0) {
          await session.refresh();
          continue;
        }
        session.end(REVOKED_MESSAGE);
        throw new SessionEndedError(REVOKED_MESSAGE);
      }
      if (answer.status < 200 || answer.status >= 300) throw ApiError.fromBody(answer.status, answer.statusText, answer.text);
      return JSON.parse(answer.text) as Attachment;
    }
  };

  return {
    done: run(),
    abort: () => {
      aborted = true;
      current?.abort();
    },
  };
}
