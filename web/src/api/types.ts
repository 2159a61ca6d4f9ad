// Wire shapes of the public REST contract. Ids are opaque strings; times are ISO 8601 UTC.

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
  /** Receipt watermarks, so read ticks survive a reload. */
  lastReadSeq?: number;
  lastDeliveredSeq?: number;
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
  // Additions beyond the v1 contract (README "Consultations and payments").
  patientName: string;
  doctorName: string;
  refundDue: boolean;
  cancelReason: CancelReason | null;
  createdAt: string;
  /** While awaiting payment: when the unpaid booking lapses. */
  payBy: string | null;
  /** While paid: when it is cancelled unless the doctor accepts. */
  acceptBy: string | null;
  /** While active: when the end-of-session warning was sent (null before it). */
  warnedAt: string | null;
}

export type CancelReason = "payment_timeout" | "payment_failed" | "declined" | "accept_timeout";

/** Subscribe's answer on the hub. */
export interface SubscribeResult {
  conversation: Conversation;
  lastSeq: number;
  onlineUserIds: string[];
}

export interface ReadState {
  conversationId: string;
  lastReadSeq: number;
  lastDeliveredSeq: number;
  unreadCount: number;
  totalUnread: number;
}

export interface UnreadSummary {
  totalUnread: number;
  conversations: { conversationId: string; unreadCount: number }[];
}

export interface CareAssignment {
  patientId: string;
  nurseId: string;
  conversationId: string;
  assignedAt: string;
}

/** A current assignment in the admin's overview (GET /admin/patients/nurse-assignments). */
export interface CareAssignmentView extends CareAssignment {
  patientName: string;
  nurseName: string;
}

/** A nurse's patient (GET /care/patients). */
export interface CarePatient {
  patientId: string;
  displayName: string;
  conversationId: string;
  assignedAt: string;
  lastMessage: Message | null;
  unreadCount: number;
  online: boolean;
}

/** A patient's nurse (GET /care/nurse). */
export interface CareNurse {
  nurseId: string;
  displayName: string;
  role: Role;
  conversationId: string;
  assignedAt: string;
  online: boolean;
}

/** A support room as the desk sees it: a conversation plus the desk's fields. */
export interface SupportRoom extends Conversation {
  user: Member;
  assignee: Member | null;
  openedAt: string;
  assignedAt: string | null;
  closedAt: string | null;
  closeNote: string | null;
  waitingSince: string | null;
}

export interface SupportStats {
  from: string;
  to: string;
  timeZone: string;
  todayStartsAt: string;
  open: number;
  unassigned: number;
  closedToday: number;
  messagesToday: number;
  medianFirstResponseSeconds: number | null;
  respondedRooms: number;
  medianResolutionSeconds: number | null;
  resolvedRooms: number;
}

// Hub events of the public real-time contract.
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

export type SupportRoomFilter = "open" | "closed" | "unassigned";
