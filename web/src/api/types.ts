// Wire shapes of the public contract (PRODUCT.md §5). Ids are opaque strings; times are ISO 8601 UTC.

export type Role = "patient" | "doctor" | "nurse" | "admin";

export interface Tokens {
  tokenType: "Bearer";
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
}

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: Role;
}

export interface AdminUser extends User {
  disabled: boolean;
  createdAt: string;
}

export interface ScheduleEntry {
  dayOfWeek: string;
  start: string;
  end: string;
}

export interface Doctor {
  id: string;
  displayName: string;
  specialty: string;
  fee: number;
  bio: string;
  schedule: ScheduleEntry[];
  availableNow: boolean;
  online: boolean;
}

export type MessageKind = "text" | "image" | "file" | "system";

export interface Message {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string | null;
  kind: MessageKind;
  text: string | null;
  clientMessageId: string | null;
  createdAt: string;
  deletedAt: string | null;
}

export interface Member {
  userId: string;
  displayName: string;
  role: Role;
}

export type ConversationKind = "consultation" | "care" | "support";
export type ConversationStatus = "open" | "read_only" | "closed";

export interface Conversation {
  id: string;
  kind: ConversationKind;
  status: ConversationStatus;
  members: Member[];
  lastSeq: number;
  lastMessage: Message | null;
  unreadCount: number;
  consultationId: string | null;
}

export interface MessagePage {
  messages: Message[];
  hasMore: boolean;
}

export type ConsultationStatus = "awaiting_payment" | "paid" | "active" | "completed" | "cancelled";

export interface Payment {
  provider: "midtrans" | "simulated";
  orderId: string;
  status: string;
  token: string | null;
  redirectUrl: string | null;
}

export interface Consultation {
  id: string;
  patientId: string;
  doctorId: string;
  status: ConsultationStatus;
  fee: number;
  startsAt: string;
  endsAt: string;
  remainingSeconds: number;
  conversationId: string | null;
  payment: Payment | null;
}

// Hub events (PRODUCT.md §4).
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
