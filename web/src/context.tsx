import { createContext, useContext, useSyncExternalStore } from "react";
import type { Api } from "./api/client";
import type { User } from "./api/types";
import type { Session } from "./auth/session";
import type { ChatService } from "./chat/service";

export interface AppServices {
  session: Session;
  api: Api;
}

export const ServicesContext = createContext<AppServices | null>(null);
export const ChatContext = createContext<ChatService | null>(null);
export const UserContext = createContext<User | null>(null);

export function useServices(): AppServices {
  const s = useContext(ServicesContext);
  if (!s) throw new Error("ServicesContext missing");
  return s;
}

export function useApi(): Api {
  return useServices().api;
}

export function useUser(): User {
  const u = useContext(UserContext);
  if (!u) throw new Error("Only for signed-in views");
  return u;
}

/** The chat service of the signed-in user, re-rendering on every chat change. */
export function useChat(): ChatService | null {
  const chat = useContext(ChatContext);
  useSyncExternalStore(chat?.subscribe ?? noopSubscribe, chat?.getVersion ?? zero);
  return chat;
}

const noopSubscribe = () => () => undefined;
const zero = () => 0;
