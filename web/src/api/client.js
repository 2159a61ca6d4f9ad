import { authorizedRequest, Session } from "../auth/session";
/** The public REST API (PRODUCT.md §5), one method per route. Nothing here is private to this client. */
export class Api {
    session;
    fetchImpl;
    constructor(session, fetchImpl = (input, init) => globalThis.fetch(input, init)) {
        this.session = session;
        this.fetchImpl = fetchImpl;
    }
    call(method, path, body) {
        return authorizedRequest(this.session, this.fetchImpl, method, path, body);
    }
    me = () => this.call("GET", "/me");
    // Admin: users
    listUsers = (role) => this.call("GET", `/admin/users${role ? `?role=${role}` : ""}`);
    createStaff = (body) => this.call("POST", "/admin/users", body);
    disableUser = (id) => this.call("POST", `/admin/users/${encodeURIComponent(id)}/disable`);
    assignNurse = (patientId, nurseId) => this.call("PUT", `/admin/patients/${encodeURIComponent(patientId)}/nurse`, { nurseId });
    nurseAssignments = () => this.call("GET", "/admin/patients/nurse-assignments");
    // Doctors
    doctors = () => this.call("GET", "/doctors");
    doctor = (id) => this.call("GET", `/doctors/${encodeURIComponent(id)}`);
    updateProfile = (id, body) => this.call("PUT", `/doctors/${encodeURIComponent(id)}/profile`, body);
    updateSchedule = (id, schedule) => this.call("PUT", `/doctors/${encodeURIComponent(id)}/schedule`, schedule);
    // Conversations and messages
    conversations = () => this.call("GET", "/conversations");
    conversation = (id) => this.call("GET", `/conversations/${encodeURIComponent(id)}`);
    messages = (id, cursor) => {
        const q = new URLSearchParams();
        if (cursor.before !== undefined)
            q.set("before", String(cursor.before));
        if (cursor.after !== undefined)
            q.set("after", String(cursor.after));
        q.set("limit", String(cursor.limit ?? 50));
        return this.call("GET", `/conversations/${encodeURIComponent(id)}/messages?${q}`);
    };
    sendMessage = (id, clientMessageId, text) => this.call("POST", `/conversations/${encodeURIComponent(id)}/messages`, { clientMessageId, text });
    markRead = (id, upToSeq) => this.call("POST", `/conversations/${encodeURIComponent(id)}/read`, { upToSeq });
    deleteMessage = (id) => this.call("DELETE", `/messages/${encodeURIComponent(id)}`);
    unread = () => this.call("GET", "/unread");
    // Care chat
    carePatients = () => this.call("GET", "/care/patients");
    /** The patient's nurse; 404 (ApiError) while none is assigned. */
    careNurse = () => this.call("GET", "/care/nurse");
    // Consultations
    book = (doctorId, startAt) => this.call("POST", "/consultations", startAt ? { doctorId, startAt } : { doctorId });
    consultations = (status) => this.call("GET", `/consultations${status ? `?status=${status}` : ""}`);
    consultation = (id) => this.call("GET", `/consultations/${encodeURIComponent(id)}`);
    acceptConsultation = (id) => this.call("POST", `/consultations/${encodeURIComponent(id)}/accept`);
    declineConsultation = (id) => this.call("POST", `/consultations/${encodeURIComponent(id)}/decline`);
    endConsultation = (id) => this.call("POST", `/consultations/${encodeURIComponent(id)}/end`);
    // Support desk
    /** My open support room (a closed one is never reopened: this opens a fresh room). */
    openSupportRoom = () => this.call("POST", "/support/room");
    supportRooms = (status) => this.call("GET", `/support/rooms${status ? `?status=${encodeURIComponent(status)}` : ""}`);
    supportRoom = (id) => this.call("GET", `/support/rooms/${encodeURIComponent(id)}`);
    /** Hands the room to adminId, or to the caller when omitted. */
    assignSupportRoom = (id, adminId) => this.call("POST", `/support/rooms/${encodeURIComponent(id)}/assign`, adminId ? { adminId } : {});
    closeSupportRoom = (id, note) => this.call("POST", `/support/rooms/${encodeURIComponent(id)}/close`, note ? { note } : {});
    supportStats = () => this.call("GET", "/support/stats");
}
