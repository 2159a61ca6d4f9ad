import { useEffect, useRef, useState, type ChangeEvent } from "react";
import type { MessageAttachment } from "../api/types";
import { API_BASE } from "../auth/session";
import type { ChatService } from "../chat/service";
import { formatSize, MAX_ATTACHMENTS, percent, type UploadItem } from "../chat/uploads";
import { useServices } from "../context";

// Photos and documents in the chat. Everything shown comes from our own origin as <img> or a link: the CSP allows
// img-src 'self' data: only, so there are no blob: previews; an image shows once its upload is done, from the
// server's thumbnail.

const THUMB_BOX = 240;

export function isImage(a: { contentType: string }): boolean {
  return a.contentType.startsWith("image/");
}

/**
 * <img> and links cannot send the Authorization header, so attachment URLs carry the token as ?access_token=
 * (accepted on these routes only). A token refreshed later is picked up on the next render.
 */
function useAttachmentUrl(): (id: string, thumbnail?: boolean) => string {
  const { session } = useServices();
  const token = session.currentAccessToken;
  return (id, thumbnail = false) => {
    const path = `${API_BASE}/attachments/${encodeURIComponent(id)}${thumbnail ? "/thumbnail" : ""}`;
    return token ? `${path}?access_token=${encodeURIComponent(token)}` : path;
  };
}

/** Width and height attributes that fit the thumbnail box with the image's own proportions, so nothing jumps on load. */
export function thumbnailSize(width: number | null, height: number | null, box = THUMB_BOX): { width: number; height: number } {
  if (!width || !height) return { width: box, height: box };
  const scale = Math.min(1, box / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** A message's attachments: images as thumbnails that open full size, other files as download chips. */
export function AttachmentList({ attachments }: { attachments: MessageAttachment[] }) {
  const url = useAttachmentUrl();
  const { session } = useServices();
  const [viewing, setViewing] = useState<MessageAttachment | null>(null);
  const [, setRetried] = useState(0);
  if (attachments.length === 0) return null;
  // A thumbnail refused because the token expired while the page sat idle: fetch a fresh token and render again
  // (only when it did change, so an image that is really gone does not loop).
  const onImageError = (used: string | null) => {
    void session.accessToken().then(
      (fresh) => {
        if (fresh !== used) setRetried((n) => n + 1);
      },
      () => undefined,
    );
  };
  return (
    <>
      <ul className="attachments" aria-label="Attachments">
        {attachments.map((a) => {
          if (!isImage(a)) {
            return (
              <li key={a.id}>
                <a className="file-chip" href={url(a.id)} download={a.fileName} aria-label={`Download ${a.fileName} (${formatSize(a.size)})`}>
                  <span className="file-icon" aria-hidden="true">
                    {a.contentType === "application/pdf" ? "📄" : "📎"}
                  </span>
                  <span className="file-name">{a.fileName}</span>
                  <span className="file-size">{formatSize(a.size)}</span>
                </a>
              </li>
            );
          }
          const size = thumbnailSize(a.width, a.height);
          const token = session.currentAccessToken;
          return (
            <li key={a.id}>
              <a className="thumb" href={url(a.id)} target="_blank" rel="noopener noreferrer" aria-label={`Open ${a.fileName} full size`}
                onClick={(e) => {
                  // The lightbox where there is one; a new tab (the link itself) with a modifier key.
                  if (e.ctrlKey || e.metaKey || e.shiftKey) return;
                  e.preventDefault();
                  setViewing(a);
                }}>
                <img src={url(a.id, true)} alt={a.fileName} width={size.width} height={size.height} loading="lazy"
                  onError={() => onImageError(token)} />
              </a>
            </li>
          );
        })}
      </ul>
      {viewing && <Lightbox attachment={viewing} src={url(viewing.id)} onClose={() => setViewing(null)} />}
    </>
  );
}

/** The full image over the page, in a modal <dialog> (focus stays inside, Escape closes it). */
function Lightbox({ attachment, src, onClose }: { attachment: MessageAttachment; src: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    // Removing the element on close takes it out of the top layer; no cleanup needed.
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={dialog} className="lightbox" aria-label={attachment.fileName} onClose={onClose}>
      <img src={src} alt={attachment.fileName} width={attachment.width ?? undefined} height={attachment.height ?? undefined} />
      <p className="lightbox-actions">
        <a href={src} download={attachment.fileName}>
          Download
        </a>
        <button type="button" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </p>
    </dialog>
  );
}

/** The draft's uploads under the composer: progress while running, then ready, or the reason it failed. */
export function UploadList({ chat, conversationId, items }: { chat: ChatService; conversationId: string; items: readonly UploadItem[] }) {
  if (items.length === 0) return null;
  return (
    <ul className="uploads" aria-label="Attachments to send">
      {items.map((item) => (
        <li key={item.key} className={`upload upload-${item.status}`} data-status={item.status}>
          <span className="upload-name">{item.fileName}</span> <span className="upload-size">{formatSize(item.size)}</span>
          {item.status === "uploading" && (
            <>
              <progress max={100} value={percent(item)} aria-label={`Uploading ${item.fileName}`} />
              <span className="upload-percent">{percent(item)}%</span>
              <button type="button" aria-label={`Cancel upload of ${item.fileName}`} onClick={() => chat.removeUpload(conversationId, item.key)}>
                Cancel
              </button>
            </>
          )}
          {item.status === "done" && (
            <>
              <span className="upload-ready">Ready</span>
              <button type="button" aria-label={`Remove ${item.fileName}`} onClick={() => chat.removeUpload(conversationId, item.key)}>
                Remove
              </button>
            </>
          )}
          {item.status === "failed" && (
            <>
              <span className="upload-error" role="alert">
                {item.error}
              </span>
              <button type="button" aria-label={`Retry upload of ${item.fileName}`} onClick={() => chat.retryUpload(conversationId, item.key)}>
                Retry
              </button>
              <button type="button" aria-label={`Remove ${item.fileName}`} onClick={() => chat.removeUpload(conversationId, item.key)}>
                Remove
              </button>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Attach (any photo or PDF, several at once) and, on touch devices, Camera (take a photo now). */
export function AttachButtons({ onFiles, disabled }: { onFiles: (files: File[]) => void; disabled: boolean }) {
  const files = useRef<HTMLInputElement>(null);
  const camera = useRef<HTMLInputElement>(null);
  const picked = (e: ChangeEvent<HTMLInputElement>) => {
    const list = [...(e.target.files ?? [])];
    // Cleared so that picking the same file again (after removing it) fires change again.
    e.target.value = "";
    if (list.length > 0) onFiles(list);
  };
  return (
    <span className="attach-buttons">
      <input ref={files} type="file" multiple accept="image/*,application/pdf" className="visually-hidden" tabIndex={-1}
        aria-label="Choose photos or documents" disabled={disabled} onChange={picked} />
      <button type="button" aria-label={`Attach photos or documents (up to ${MAX_ATTACHMENTS})`} disabled={disabled}
        onClick={() => files.current?.click()}>
        📎<span className="button-text">Attach</span>
      </button>
      <input ref={camera} type="file" accept="image/*" capture="environment" className="visually-hidden" tabIndex={-1}
        aria-label="Take a photo with the camera" disabled={disabled} onChange={picked} />
      <button type="button" className="camera-only" aria-label="Take a photo" disabled={disabled} onClick={() => camera.current?.click()}>
        📷<span className="button-text">Camera</span>
      </button>
    </span>
  );
}
