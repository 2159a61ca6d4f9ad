import { API_BASE, authorizedRequest, Session } from "../auth/session";
import { ApiError } from "./problem";
import type {
  AdminArticle,
  AdminArticleCategory,
  AdminArticlePage,
  AdminUser,
  Article,
  ArticleCategory,
  ArticleInput,
  ArticlePage,
  ArticleStatus,
  CareAssignment,
  CareAssignmentView,
  CareNurse,
  CarePatient,
  Consultation,
  ConsultationStatus,
  Conversation,
  Doctor,
  Message,
  MessagePage,
  ReadState,
  Role,
  ScheduleEntry,
  SupportRoom,
  SupportRoomFilter,
  SupportStats,
  UnreadSummary,
  User,
} from "./types";

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** The public REST API under /api/v1, one method per route. Nothing here is private to this client. */
export class Api {
  constructor(
    readonly session: Session,
    private readonly fetchImpl: FetchLike = (input, init) => globalThis.fetch(input, init),
  ) {}

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return authorizedRequest(this.session, this.fetchImpl, method, path, body) as Promise<T>;
  }

  /** A route open to everyone: no token, so it works signed out and never ends a session. */
  private async publicGet<T>(path: string): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${API_BASE}${path}`, { headers: { Accept: "application/json" } });
    } catch (e) {
      throw ApiError.network(e);
    }
    if (!response.ok) throw await ApiError.fromResponse(response);
    return (await response.json()) as T;
  }

  me = () => this.call<User>("GET", "/me");

  // Admin: users
  listUsers = (role?: Role) => this.call<AdminUser[]>("GET", `/admin/users${role ? `?role=${role}` : ""}`);
  createStaff = (body: { email: string; password: string; displayName: string; role: Role }) =>
    this.call<User>("POST", "/admin/users", body);
  disableUser = (id: string) => this.call<void>("POST", `/admin/users/${encodeURIComponent(id)}/disable`);
  assignNurse = (patientId: string, nurseId: string) =>
    this.call<CareAssignment>("PUT", `/admin/patients/${encodeURIComponent(patientId)}/nurse`, { nurseId });
  nurseAssignments = () => this.call<CareAssignmentView[]>("GET", "/admin/patients/nurse-assignments");

  // Doctors
  doctors = () => this.call<Doctor[]>("GET", "/doctors");
  doctor = (id: string) => this.call<Doctor>("GET", `/doctors/${encodeURIComponent(id)}`);
  updateProfile = (id: string, body: { specialty: string; fee: number | null; bio: string }) =>
    this.call<Doctor>("PUT", `/doctors/${encodeURIComponent(id)}/profile`, body);
  updateSchedule = (id: string, schedule: ScheduleEntry[]) =>
    this.call<ScheduleEntry[]>("PUT", `/doctors/${encodeURIComponent(id)}/schedule`, schedule);

  // Conversations and messages
  conversations = () => this.call<Conversation[]>("GET", "/conversations");
  conversation = (id: string) => this.call<Conversation>("GET", `/conversations/${encodeURIComponent(id)}`);
  messages = (id: string, cursor: { before?: number; after?: number; limit?: number }) => {
    const q = new URLSearchParams();
    if (cursor.before !== undefined) q.set("before", String(cursor.before));
    if (cursor.after !== undefined) q.set("after", String(cursor.after));
    q.set("limit", String(cursor.limit ?? 50));
    return this.call<MessagePage>("GET", `/conversations/${encodeURIComponent(id)}/messages?${q}`);
  };
  /** Text, attachments (uploaded first, at most 10), or both. */
  sendMessage = (id: string, clientMessageId: string, text: string | null, attachmentIds: string[] = []) =>
    this.call<Message>(
      "POST",
      `/conversations/${encodeURIComponent(id)}/messages`,
      attachmentIds.length > 0 ? { clientMessageId, text, attachmentIds } : { clientMessageId, text },
    );
  markRead = (id: string, upToSeq: number) => this.call<ReadState>("POST", `/conversations/${encodeURIComponent(id)}/read`, { upToSeq });
  deleteMessage = (id: string) => this.call<Message>("DELETE", `/messages/${encodeURIComponent(id)}`);
  unread = () => this.call<UnreadSummary>("GET", "/unread");

  // Care chat
  carePatients = () => this.call<CarePatient[]>("GET", "/care/patients");
  /** The patient's nurse; 404 (ApiError) while none is assigned. */
  careNurse = () => this.call<CareNurse>("GET", "/care/nurse");

  // Consultations
  book = (doctorId: string, startAt?: string) =>
    this.call<Consultation>("POST", "/consultations", startAt ? { doctorId, startAt } : { doctorId });
  consultations = (status?: ConsultationStatus) =>
    this.call<Consultation[]>("GET", `/consultations${status ? `?status=${status}` : ""}`);
  consultation = (id: string) => this.call<Consultation>("GET", `/consultations/${encodeURIComponent(id)}`);
  acceptConsultation = (id: string) => this.call<Consultation>("POST", `/consultations/${encodeURIComponent(id)}/accept`);
  declineConsultation = (id: string) => this.call<Consultation>("POST", `/consultations/${encodeURIComponent(id)}/decline`);
  endConsultation = (id: string) => this.call<Consultation>("POST", `/consultations/${encodeURIComponent(id)}/end`);
  /** The patient cancels before the doctor accepts: unpaid is just cancelled, paid is cancelled for refund. */
  cancelConsultation = (id: string) => this.call<Consultation>("POST", `/consultations/${encodeURIComponent(id)}/cancel`);
  /** Admin: refund through the payment gateway; a 502 leaves the refund due (retrying is safe). */
  refundConsultation = (id: string) => this.call<Consultation>("POST", `/consultations/${encodeURIComponent(id)}/refund`);
  /** Admin: consultations whose refund is due, or the refunded ones. */
  refunds = (status: "due" | "done") => this.call<Consultation[]>("GET", `/admin/refunds?status=${status}`);

  // Support desk
  /** My open support room (a closed one is never reopened: this opens a fresh room). */
  openSupportRoom = () => this.call<SupportRoom>("POST", "/support/room");
  supportRooms = (status?: SupportRoomFilter) =>
    this.call<SupportRoom[]>("GET", `/support/rooms${status ? `?status=${encodeURIComponent(status)}` : ""}`);
  supportRoom = (id: string) => this.call<SupportRoom>("GET", `/support/rooms/${encodeURIComponent(id)}`);
  /** Hands the room to adminId, or to the caller when omitted. */
  assignSupportRoom = (id: string, adminId?: string) =>
    this.call<SupportRoom>("POST", `/support/rooms/${encodeURIComponent(id)}/assign`, adminId ? { adminId } : {});
  closeSupportRoom = (id: string, note?: string) =>
    this.call<SupportRoom>("POST", `/support/rooms/${encodeURIComponent(id)}/close`, note ? { note } : {});
  supportStats = () => this.call<SupportStats>("GET", "/support/stats");

  // Health articles: reading is public; writing is for admins
  articles = (filter: { category?: string; q?: string; cursor?: string; limit?: number } = {}) => {
    const q = new URLSearchParams();
    if (filter.category) q.set("category", filter.category);
    if (filter.q) q.set("q", filter.q);
    if (filter.cursor) q.set("cursor", filter.cursor);
    if (filter.limit !== undefined) q.set("limit", String(filter.limit));
    const query = q.toString();
    return this.publicGet<ArticlePage>(`/articles${query ? `?${query}` : ""}`);
  };
  article = (slug: string) => this.publicGet<Article>(`/articles/${encodeURIComponent(slug)}`);
  articleCategories = () => this.publicGet<ArticleCategory[]>("/article-categories");
  adminArticles = (filter: { status?: ArticleStatus; q?: string; cursor?: string } = {}) => {
    const q = new URLSearchParams();
    if (filter.status) q.set("status", filter.status);
    if (filter.q) q.set("q", filter.q);
    if (filter.cursor) q.set("cursor", filter.cursor);
    const query = q.toString();
    return this.call<AdminArticlePage>("GET", `/admin/articles${query ? `?${query}` : ""}`);
  };
  adminArticle = (id: string) => this.call<AdminArticle>("GET", `/admin/articles/${encodeURIComponent(id)}`);
  createArticle = (body: ArticleInput) => this.call<AdminArticle>("POST", "/admin/articles", body);
  updateArticle = (id: string, body: ArticleInput) => this.call<AdminArticle>("PUT", `/admin/articles/${encodeURIComponent(id)}`, body);
  /** Now, or at publishAt (ISO time in the future), before which readers do not see it. */
  publishArticle = (id: string, publishAt?: string) =>
    this.call<AdminArticle>("POST", `/admin/articles/${encodeURIComponent(id)}/publish`, publishAt ? { publishAt } : {});
  unpublishArticle = (id: string) => this.call<AdminArticle>("POST", `/admin/articles/${encodeURIComponent(id)}/unpublish`);
  deleteArticle = (id: string) => this.call<void>("DELETE", `/admin/articles/${encodeURIComponent(id)}`);
  previewArticle = (body: string) => this.call<{ html: string }>("POST", "/admin/articles/preview", { body });
  adminArticleCategories = () => this.call<AdminArticleCategory[]>("GET", "/admin/article-categories");
  createArticleCategory = (body: { name: string; slug?: string }) =>
    this.call<AdminArticleCategory>("POST", "/admin/article-categories", body);
  updateArticleCategory = (id: string, body: { name: string; slug?: string }) =>
    this.call<AdminArticleCategory>("PUT", `/admin/article-categories/${encodeURIComponent(id)}`, body);
  deleteArticleCategory = (id: string) => this.call<void>("DELETE", `/admin/article-categories/${encodeURIComponent(id)}`);
}
