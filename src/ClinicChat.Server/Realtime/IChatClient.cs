using ClinicChat.Consultations;
using ClinicChat.Conversations;
using Microsoft.AspNetCore.SignalR;

namespace ClinicChat.Realtime;

/// <summary>Server-to-client events. Wire names are camelCase; they are part of the public hub contract.</summary>
public interface IChatClient
{
    [HubMethodName("messageCreated")]
    Task MessageCreated(MessageDto message);

    [HubMethodName("messageDeleted")]
    Task MessageDeleted(MessageDeletedEvent deleted);

    [HubMethodName("readReceipt")]
    Task ReadReceipt(ReadReceiptEvent receipt);

    [HubMethodName("deliveryReceipt")]
    Task DeliveryReceipt(DeliveryReceiptEvent receipt);

    [HubMethodName("typing")]
    Task Typing(TypingEvent typing);

    [HubMethodName("presence")]
    Task Presence(PresenceEvent presence);

    [HubMethodName("unreadChanged")]
    Task UnreadChanged(UnreadChangedEvent unread);

    [HubMethodName("consultationUpdated")]
    Task ConsultationUpdated(ConsultationDto consultation);

    [HubMethodName("consultationExpiring")]
    Task ConsultationExpiring(ConsultationDto consultation);

    [HubMethodName("consultationRequested")]
    Task ConsultationRequested(ConsultationDto consultation);

    [HubMethodName("supportRoomUpdated")]
    Task SupportRoomUpdated(ConversationDto room);
}
