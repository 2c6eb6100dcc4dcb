/** The emulator's public types and Telegram's error answer. */
import type { MessageEntity } from "grammy/types";

export interface FakeUserInit {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
  /** Has the user pressed Start? Default true. */
  started?: boolean;
}

export interface FakeChatInit {
  id: number;
  type: "group" | "supergroup" | "channel";
  title: string;
  username?: string;
}

export interface ApiCall {
  seq: number;
  method: string;
  params: Record<string, unknown>;
  ok: boolean;
  result?: unknown;
  error?: { error_code: number; description: string; parameters?: { retry_after?: number } };
  at: number;
  /** Set on a long poll the client gave up on (e.g. `bot.stop()`); nothing was written back. */
  aborted?: boolean;
}

export interface StoredMessage {
  message_id: number;
  chat_id: number;
  from_bot: boolean;
  /** As the bot sent it (with markup, see parse_mode); for user messages the plain text. */
  text?: string;
  caption?: string;
  parse_mode?: string;
  reply_markup?: any;
  document?: { file_name?: string; file_id: string; data?: Buffer };
  photo?: string;
  location?: { latitude: number; longitude: number };
  contact?: { phone_number: string; first_name: string; last_name?: string };
  date: number;
}

export interface EmulatorOptions {
  token?: string;
  port?: number;
  botUsername?: string;
  /** Off by default. Each limit applies only when given. */
  rateLimit?: { globalPerSecond?: number; perChatPerSecond?: number; perGroupPerMinute?: number };
}

export interface ParsedText {
  text: string;
  entities: MessageEntity[];
}

/** A Telegram error answer; `message` is the description. */
export class ApiError extends Error {
  constructor(
    readonly error_code: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number },
  ) {
    super(description);
    this.name = "ApiError";
  }
}

export const bad = (what: string) => new ApiError(400, `Bad Request: ${what}`);
export const forbidden = (what: string) => new ApiError(403, `Forbidden: ${what}`);
