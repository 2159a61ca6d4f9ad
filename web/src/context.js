import { createContext, useContext, useSyncExternalStore } from "react";
export const ServicesContext = createContext(null);
export const ChatContext = createContext(null);
export const UserContext = createContext(null);
export function useServices() {
    const s = useContext(ServicesContext);
    if (!s)
        throw new Error("ServicesContext missing");
    return s;
}
export function useApi() {
    return useServices().api;
}
export function useUser() {
    const u = useContext(UserContext);
    if (!u)
        throw new Error("Only for signed-in views");
    return u;
}
/** The chat service of the signed-in user, re-rendering on every chat change. */
export function useChat() {
    const chat = useContext(ChatContext);
    useSyncExternalStore(chat?.subscribe ?? noopSubscribe, chat?.getVersion ?? zero);
    return chat;
}
const noopSubscribe = () => () => undefined;
const zero = () => 0;
