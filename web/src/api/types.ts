// REST wire shapes, generated: schema.ts comes from the server's OpenAPI document (scripts/api-types; ./test fails
// when it is stale). Ids are opaque strings; times are ISO 8601 UTC. The server's enumerations are plain strings
// in the document, so the fields that hold one are narrowed here to their values.
import type { components } from "./schema";

type Schemas = components["schemas"];

/** The generated shape with some fields narrowed; each narrowing must still fit the generated field's type. */
type Narrow<T, N extends { [K in keyof N]: K extends keyof T ? T[K] : never }> = Omit<T, keyof N> & N;

export type Role = "patient" | "doctor" | "nurse" | "admin";
export type MessageKind = "text" | "image" | "file" | "system";
export type ConversationKind = "consultation" | "care" | "support";
export type ConversationStatus = "open" | "read_only" | "closed";
export type ConsultationStatus = "awaiting_payment" | "paid" | "active" | "completed" | "cancelled";
export type CancelReason = "payment_timeout" | "payment_failed" | "declined" | "accept_timeout" | "patient_cancelled";
/** pending: sent to the gateway, no answer yet (a retry reuses its key); succeeded; failed: the gateway refused it. */
export type RefundStatus = "pending" | "succeeded" | "failed";
export type SupportRoomFilter = "open" | "closed" | "unassigned";

export type Tokens = Schemas["AccessTokenResponse"];
export type User = Narrow<Schemas["UserDto"], { role: Role }>;
export type AdminUser = Narrow<Schemas["AdminUserDto"], { role: Role }>;

/** The same record is the schedule's request item, where every field may be missing; answers always carry all three. */
export type ScheduleEntry = Narrow<Schemas["ScheduleEntryDto"], { dayOfWeek: string; start: string; end: string }>;
export type Doctor = Narrow<Schemas["DoctorDto"], { schedule: ScheduleEntry[] }>;

/** An upload's answer (POST /conversations/{id}/attachments): stored, not yet part of any message. */
export type Attachment = Schemas["AttachmentDto"];
/** An attachment as messages carry it: width and height are set for images (so thumbnails keep their place). */
export type MessageAttachment = Schemas["MessageAttachmentDto"];
/** Every message shape carries `attachments` (empty when none). */
export type Message = Narrow<Schemas["MessageDto"], { kind: MessageKind }>;
/** A member with the receipt watermarks, so read ticks survive a reload. */
export type Member = Narrow<Schemas["MemberDto"], { role: Role }>;
export type Conversation = Narrow<
  Schemas["ConversationDto"],
  { kind: ConversationKind; status: ConversationStatus; members: Member[]; lastMessage: Message | null }
>;
export type MessagePage = Narrow<Schemas["MessagePage"], { messages: Message[] }>;
export type ReadState = Schemas["ReadStateDto"];
export type UnreadSummary = Schemas["UnreadSummaryDto"];

export type Payment = Narrow<Schemas["PaymentDto"], { provider: "midtrans" | "simulated" }>;
export type Refund = Narrow<Schemas["RefundDto"], { status: RefundStatus }>;
export type Consultation = Narrow<
  Schemas["ConsultationDto"],
  { status: ConsultationStatus; cancelReason: CancelReason | null; payment: Payment | null; refund: Refund | null }
>;

export type CareAssignment = Schemas["CareAssignmentDto"];
/** A current assignment in the admin's overview (GET /admin/patients/nurse-assignments). */
export type CareAssignmentView = Schemas["CareAssignmentViewDto"];
/** A nurse's patient (GET /care/patients). */
export type CarePatient = Narrow<Schemas["CarePatientDto"], { lastMessage: Message | null }>;
/** A patient's nurse (GET /care/nurse). */
export type CareNurse = Narrow<Schemas["CareNurseDto"], { role: Role }>;

/** A support room as the desk sees it: a conversation plus the desk's fields. */
export type SupportRoom = Narrow<
  Schemas["SupportRoomDto"],
  {
    kind: ConversationKind;
    status: ConversationStatus;
    members: Member[];
    lastMessage: Message | null;
    user: Member;
    assignee: Member | null;
  }
>;
export type SupportStats = Schemas["SupportStatsDto"];

/** Subscribe's answer on the hub. */
export interface SubscribeResult {
  conversation: Conversation;
  lastSeq: number;
  onlineUserIds: string[];
}

// Hub events: the hub is not in the OpenAPI document, so these are written by hand (see Realtime/ChatEvents.cs).
export interface MessageDeletedEvent {
  conversationId: string;
  messageId: string;
  seq: number;
}
export interface ReadReceiptEvent {
  conversationId: string;
  userId: string;
  lastReadSeq: number;
}
export interface DeliveryReceiptEvent {
  conversationId: string;
  userId: string;
  lastDeliveredSeq: number;
}
export interface TypingEvent {
  conversationId: string;
  userId: string;
  isTyping: boolean;
}
export interface PresenceEvent {
  userId: string;
  online: boolean;
}
export interface UnreadChangedEvent {
  conversationId: string;
  unreadCount: number;
  totalUnread: number;
}

export interface HubEvents {
  messageCreated: Message;
  messageDeleted: MessageDeletedEvent;
  readReceipt: ReadReceiptEvent;
  deliveryReceipt: DeliveryReceiptEvent;
  typing: TypingEvent;
  presence: PresenceEvent;
  unreadChanged: UnreadChangedEvent;
  consultationUpdated: Consultation;
  consultationExpiring: Consultation;
  consultationRequested: Consultation;
  supportRoomUpdated: Conversation;
}

export type HubEventName = keyof HubEvents;

export const hubEventNames: HubEventName[] = [
  "messageCreated",
  "messageDeleted",
  "readReceipt",
  "deliveryReceipt",
  "typing",
  "presence",
  "unreadChanged",
  "consultationUpdated",
  "consultationExpiring",
  "consultationRequested",
  "supportRoomUpdated",
];


// Health articles. `html` is rendered and made safe by the server (raw HTML disabled, unsafe URL schemes dropped).

export type ArticleStatus = "draft" | "scheduled" | "published";

export interface ArticleCategoryRef {
  id: string;
  slug: string;
  name: string;
}

export interface ArticleSummary {
  id: string;
  slug: string;
  title: string;
  excerpt: string;
  category: ArticleCategoryRef | null;
  authorName: string;
  publishedAt: string;
  updatedAt: string;
}

export interface Article {
  id: string;
  slug: string;
  title: string;
  html: string;
  category: ArticleCategoryRef | null;
  authorName: string;
  publishedAt: string;
  updatedAt: string;
}

export interface ArticlePage {
  items: ArticleSummary[];
  nextCursor: string | null;
}

export interface ArticleCategory {
  id: string;
  slug: string;
  name: string;
  publishedCount: number;
}

export interface AdminArticleSummary {
  id: string;
  slug: string;
  title: string;
  excerpt: string;
  category: ArticleCategoryRef | null;
  status: ArticleStatus;
  publishedAt: string | null;
  authorName: string;
  updatedAt: string;
}

export interface AdminArticle extends AdminArticleSummary {
  body: string;
  html: string;
  authorId: string;
  createdAt: string;
}

export interface AdminArticlePage {
  items: AdminArticleSummary[];
  nextCursor: string | null;
}

export interface AdminArticleCategory {
  id: string;
  slug: string;
  name: string;
  articleCount: number;
  publishedCount: number;
  createdAt: string;
}

export interface ArticleInput {
  title: string;
  /** Omitted: generated from the title on create, kept on edit. */
  slug?: string;
  categoryId: string | null;
  body: string;
}
