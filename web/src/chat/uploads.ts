import { ApiError } from "../api/problem";
import type { Attachment, MessageAttachment } from "../api/types";

// The attachments of one conversation's draft, as pure immutable state: each file uploads as soon as it is picked,
// then waits in the draft until the message is sent. The chat service runs the transfers and feeds this.

/** At most this many attachments go with one message (the server refuses more). */
export const MAX_ATTACHMENTS = 10;

export type UploadStatus = "uploading" | "done" | "failed";

export interface UploadItem {
  /** Local id of this draft entry (the attachment id is only known once the upload is done). */
  key: string;
  fileName: string;
  contentType: string;
  size: number;
  status: UploadStatus;
  loaded: number;
  total: number;
  attachment: Attachment | null;
  /** What to tell the person when the upload failed (already worded for people, by the problem's code). */
  error: string | null;
}

export interface PickedFile {
  key: string;
  name: string;
  type: string;
  size: number;
}

export type UploadQueue = readonly UploadItem[];

export const emptyQueue: UploadQueue = [];

/** Adds files to the draft, as many as fit under MAX_ATTACHMENTS; returns the ones accepted and how many did not fit. */
export function addUploads(queue: UploadQueue, files: PickedFile[]): { queue: UploadQueue; accepted: PickedFile[]; refused: number } {
  const room = Math.max(0, MAX_ATTACHMENTS - queue.length);
  const accepted = files.slice(0, room);
  const added = accepted.map<UploadItem>((f) => ({
    key: f.key,
    fileName: f.name,
    contentType: f.type,
    size: f.size,
    status: "uploading",
    loaded: 0,
    total: f.size,
    attachment: null,
    error: null,
  }));
  return { queue: added.length ? [...queue, ...added] : queue, accepted, refused: files.length - accepted.length };
}

function change(queue: UploadQueue, key: string, patch: (item: UploadItem) => UploadItem): UploadQueue {
  const index = queue.findIndex((i) => i.key === key);
  if (index < 0) return queue;
  const patched = patch(queue[index]!);
  return patched === queue[index] ? queue : queue.map((item, i) => (i === index ? patched : item));
}

/** Progress only moves forward and only while uploading (a late event after cancel or failure changes nothing). */
export function uploadProgress(queue: UploadQueue, key: string, loaded: number, total: number): UploadQueue {
  const item = queue.find((i) => i.key === key);
  if (!item || item.status !== "uploading" || loaded <= item.loaded) return queue;
  return change(queue, key, (i) => ({ ...i, loaded: Math.min(loaded, total), total }));
}

export function uploadDone(queue: UploadQueue, key: string, attachment: Attachment): UploadQueue {
  return change(queue, key, (i) =>
    i.status === "uploading" ? { ...i, status: "done", loaded: i.total, attachment, error: null } : i,
  );
}

export function uploadFailed(queue: UploadQueue, key: string, error: string): UploadQueue {
  return change(queue, key, (i) => (i.status === "uploading" ? { ...i, status: "failed", error } : i));
}

/** A retry uploads the same file again from the start. */
export function uploadRetrying(queue: UploadQueue, key: string): UploadQueue {
  return change(queue, key, (i) => (i.status === "failed" ? { ...i, status: "uploading", loaded: 0, error: null } : i));
}

/** Cancelling a running upload or removing a finished or failed one: either way it leaves the draft. */
export function removeUpload(queue: UploadQueue, key: string): UploadQueue {
  return queue.some((i) => i.key === key) ? queue.filter((i) => i.key !== key) : queue;
}

export function isUploading(queue: UploadQueue): boolean {
  return queue.some((i) => i.status === "uploading");
}

/** The finished uploads, in the order they were picked: what a send attaches. */
export function readyAttachments(queue: UploadQueue): MessageAttachment[] {
  return queue
    .filter((i) => i.status === "done" && i.attachment)
    .map((i) => {
      const a = i.attachment!;
      return { id: a.id, fileName: a.fileName, contentType: a.contentType, size: a.size, width: a.width, height: a.height };
    });
}

/** Send needs something to send (text or a finished upload) and no upload still running for this draft. */
export function canSend(queue: UploadQueue, text: string): boolean {
  if (isUploading(queue)) return false;
  return text.trim().length > 0 || queue.some((i) => i.status === "done");
}

/** After a send the sent attachments leave the draft; failed ones stay, to be retried or removed. */
export function afterSend(queue: UploadQueue, sentIds: string[]): UploadQueue {
  const sent = new Set(sentIds);
  return queue.filter((i) => !(i.status === "done" && i.attachment && sent.has(i.attachment.id)));
}

/** The percentage shown beside the bar. */
export function percent(item: UploadItem): number {
  if (item.status === "done") return 100;
  return item.total > 0 ? Math.floor((item.loaded / item.total) * 100) : 0;
}

/** The server refuses uploads with a stable code; people get a sentence that says what to do about it. */
export function describeUploadError(e: unknown): string {
  if (!(e instanceof ApiError)) return e instanceof Error ? e.message : "The upload failed.";
  if (e.isNetwork) return "The upload did not reach the clinic server. Check your connection and retry.";
  switch (e.code) {
    case "attachment.too_large":
      return "This file is too large to send. Try a smaller photo or document.";
    case "attachment.unsupported_type":
      return "Only photos (JPEG, PNG, WebP, GIF, HEIC) and PDF documents can be sent.";
    case "attachment.infected":
      return "The malware scanner found a threat in this file, so it was not accepted.";
    case "attachment.quota_exceeded":
      return "Your storage for attachments is full; this file was not stored.";
    case "attachment.scanner_unavailable":
      return "Files cannot be checked for malware right now. Retry in a minute.";
    default:
      return e.field("file") ?? e.detail ?? e.title;
  }
}

/** "Image" or "file" for a message made of these attachments; text when there are none. */
export function kindOf(attachments: MessageAttachment[]): "text" | "image" | "file" {
  if (attachments.length === 0) return "text";
  return attachments.every((a) => a.contentType.startsWith("image/")) ? "image" : "file";
}

/** "512 B", "34 KB", "1.2 MB": sizes as people read them. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  const mb = bytes / (1024 * 1024);
  return `${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB`;
}
