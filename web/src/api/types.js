// Wire shapes of the public contract (PRODUCT.md §5). Ids are opaque strings; times are ISO 8601 UTC.
export const hubEventNames = [
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
