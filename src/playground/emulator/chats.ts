/**
 * People, groups and the messages in each chat: who the bot may write to (403s), message ids, the Message
 * objects Telegram would return, reply targets, callback queries, and flood control (429s).
 */
import type { Chat, ChatMember, Message, User, UserFromGetMe } from "grammy/types";
import { clean, flag, isObj, nowSec, optNum, type Params } from "./params";
import {
  ApiError,
  bad,
  type EmulatorOptions,
  type FakeChatInit,
  type FakeUserInit,
  forbidden,
  type StoredMessage,
} from "./types";

export interface UserState {
  init: FakeUserInit;
  blocked: boolean;
  deactivated: boolean;
}

/** A message as stored for the tests (`stored`) and as Telegram returns it (`msg`). */
export interface Rec {
  stored: StoredMessage;
  msg: Message;
}

/** A member's standing in a group or channel, as tests set it (admin rights default to what Telegram gives). */
export interface MemberInit {
  status: "creator" | "administrator" | "member" | "left" | "kicked";
  /** Channels: may post (admins; default true). */
  canPostMessages?: boolean;
}

export class ChatStore {
  readonly users = new Map<number, UserState>();
  readonly groups = new Map<number, FakeChatInit>();
  /** Group and channel members by chat, then user id (the bot too); a chat without entries is not checked. */
  readonly members = new Map<number, Map<number, MemberInit>>();
  private readonly chats = new Map<number, Rec[]>();
  private readonly nextMessageId = new Map<number, number>();
  private readonly queries = new Map<string, { answered: boolean }>();
  private queryCounter = 0;

  /** `announce` is told of every message the bot sends (the emulator's "message" event). */
  constructor(
    private readonly botInfo: UserFromGetMe,
    private readonly announce: (stored: StoredMessage) => void,
  ) {}

  // ----- people ---------------------------------------------------------------------------------

  user(id: number): UserState {
    const u = this.users.get(id);
    if (!u) throw new Error(`BotApiEmulator: unknown user ${id}; call addUser() first`);
    return u;
  }

  userObject(u: FakeUserInit): User {
    return clean({
      id: u.id,
      is_bot: false,
      first_name: u.first_name,
      last_name: u.last_name,
      username: u.username,
      language_code: u.language_code,
    });
  }

  get botId(): number {
    return this.botInfo.id;
  }

  setMember(chatId: number, userId: number, member: MemberInit): void {
    let list = this.members.get(chatId);
    if (!list) this.members.set(chatId, (list = new Map()));
    list.set(userId, member);
  }

  /** A member as getChatMember returns it (ChatMember), for a known user or the bot. */
  chatMember(chatId: number, userId: number): ChatMember {
    const user =
      userId === this.botInfo.id ? this.botUser() : this.users.get(userId) && this.userObject(this.user(userId).init);
    if (!user) throw bad("user not found");
    const m = this.members.get(chatId)?.get(userId) ?? { status: "left" };
    const channel = this.groups.get(chatId)?.type === "channel";
    switch (m.status) {
      case "creator":
        return { status: "creator", user, is_anonymous: false };
      case "administrator":
        return {
          status: "administrator",
          user,
          can_be_edited: false,
          is_anonymous: false,
          can_manage_chat: true,
          can_delete_messages: true,
          can_manage_video_chats: true,
          can_restrict_members: true,
          can_promote_members: false,
          can_change_info: true,
          can_invite_users: true,
          can_post_stories: true,
          can_edit_stories: true,
          can_delete_stories: true,
          ...(channel
            ? { can_post_messages: m.canPostMessages ?? true, can_edit_messages: m.canPostMessages ?? true }
            : { can_pin_messages: true }),
        } as ChatMember;
      case "member":
        return { status: "member", user };
      case "kicked":
        return { status: "kicked", user, until_date: 0 };
      default:
        return { status: "left", user };
    }
  }

  /**
   * Whether the bot may post in a group or channel: in a channel only as its creator or an admin allowed to post;
   * in a group unless it left or was removed (groups whose members the test never set are not checked).
   */
  checkBotMayPost(chatId: number): void {
    const g = this.groups.get(chatId);
    if (!g) return;
    const m = this.members.get(chatId)?.get(this.botInfo.id);
    if (g.type === "channel") {
      if (!m || m.status === "left" || m.status === "kicked")
        throw forbidden("bot is not a member of the channel chat");
      if (m.status === "member" || (m.status === "administrator" && m.canPostMessages === false))
        throw bad("need administrator rights in the channel chat");
      return;
    }
    if (m?.status === "kicked") throw forbidden(`bot was kicked from the ${g.type} chat`);
    if (m?.status === "left") throw forbidden(`bot is not a member of the ${g.type} chat`);
  }

  private botUser(): User {
    return { id: this.botInfo.id, is_bot: true, first_name: this.botInfo.first_name, username: this.botInfo.username };
  }

  // ----- chats ----------------------------------------------------------------------------------

  chatObject(chatId: number): Chat {
    const u = this.users.get(chatId);
    if (u)
      return clean({
        id: chatId,
        type: "private",
        first_name: u.init.first_name,
        last_name: u.init.last_name,
        username: u.init.username,
      }) as Chat;
    const g = this.groups.get(chatId)!;
    return clean({ id: chatId, type: g.type, title: g.title, username: g.username }) as Chat;
  }

  /** A chat_id parameter (a number, its string, or @username of a group) of a known chat. */
  chatId(v: unknown): number {
    if (v === undefined || v === null || v === "") throw bad("chat_id is empty");
    if (typeof v === "string" && v.startsWith("@")) {
      const g = [...this.groups.values()].find((x) => x.username && `@${x.username}`.toLowerCase() === v.toLowerCase());
      if (g) return g.id;
      throw bad("chat not found");
    }
    const id = typeof v === "number" ? v : typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!this.users.has(id) && !this.groups.has(id)) throw bad("chat not found");
    return id;
  }

  /** A chat the bot may write to now (403 for blocked, deactivated and never-started users). */
  writableChat(v: unknown): number {
    const id = this.chatId(v);
    const u = this.users.get(id);
    if (u) {
      if (u.deactivated) throw forbidden("user is deactivated");
      if (u.blocked) throw forbidden("bot was blocked by the user");
      if (!u.init.started) throw forbidden("bot can't initiate conversation with a user");
    }
    this.checkBotMayPost(id);
    return id;
  }

  // ----- messages -------------------------------------------------------------------------------

  list(chatId: number): Rec[] {
    return this.chats.get(chatId) ?? [];
  }

  remove(chatId: number, messageId: number): void {
    const list = this.list(chatId);
    const i = list.findIndex((r) => r.msg.message_id === messageId);
    if (i < 0) throw new Error(`BotApiEmulator.removeMessage: no message ${messageId} in chat ${chatId}`);
    list.splice(i, 1);
  }

  find(chatId: number, messageId: number): Rec | undefined {
    return this.chats.get(chatId)?.find((r) => r.msg.message_id === messageId);
  }

  messageId(v: unknown): number {
    const id = optNum(v, "message_id");
    if (id === undefined) throw bad("message identifier is not specified");
    return id;
  }

  newRec(chatId: number, fromBot: boolean, fields: Record<string, unknown>, stored: Partial<StoredMessage>): Rec {
    const message_id = this.nextMessageId.get(chatId) ?? 1;
    this.nextMessageId.set(chatId, message_id + 1);
    const date = nowSec();
    const chat = this.chatObject(chatId);
    const sender =
      chat.type === "channel"
        ? { sender_chat: chat }
        : { from: fromBot ? this.botUser() : this.userObject(this.user(chatId).init) };
    const msg = clean({ message_id, ...sender, chat, date, ...fields }) as unknown as Message;
    const rec: Rec = {
      msg,
      stored: clean({ message_id, chat_id: chatId, from_bot: fromBot, date, ...stored }) as StoredMessage,
    };
    let list = this.chats.get(chatId);
    if (!list) this.chats.set(chatId, (list = []));
    list.push(rec);
    if (fromBot) this.announce(rec.stored);
    return rec;
  }

  /** The message a reply_parameters (or the older reply_to_message_id) points to. */
  replyTarget(chatId: number, p: Params): Rec | undefined {
    let rp: any = p.reply_parameters;
    if (!isObj(rp) && p.reply_to_message_id !== undefined) {
      rp = { message_id: p.reply_to_message_id, allow_sending_without_reply: p.allow_sending_without_reply };
    }
    if (!isObj(rp)) return undefined;
    const target = this.find(
      rp.chat_id !== undefined ? this.chatId(rp.chat_id) : chatId,
      this.messageId(rp.message_id),
    );
    if (!target && !flag(rp.allow_sending_without_reply)) throw bad("message to be replied not found");
    return target;
  }

  /** A bot message the bot may edit now. */
  editTarget(p: Params): Rec {
    if (p.inline_message_id !== undefined) throw bad("inline_message_id is not supported by the emulator");
    const chatId = this.chatId(p.chat_id);
    const u = this.users.get(chatId);
    if (u?.deactivated) throw forbidden("user is deactivated");
    if (u?.blocked) throw forbidden("bot was blocked by the user");
    this.checkBotMayPost(chatId);
    const rec = this.find(chatId, this.messageId(p.message_id));
    if (!rec?.stored.from_bot) throw bad("message to edit not found");
    return rec;
  }

  // ----- callback queries -----------------------------------------------------------------------

  /** A new callback query id, to be answered once. */
  newQuery(): string {
    const id = String(4_000_000_000_000_000 + ++this.queryCounter);
    this.queries.set(id, { answered: false });
    return id;
  }

  query(id: string): { answered: boolean } | undefined {
    return this.queries.get(id);
  }
}

/** Sliding-window flood control (only with options.rateLimit); counts only successful sends. */
export class RateLimiter {
  private readonly sendLog = { global: [] as number[], chats: new Map<number, number[]>() };

  constructor(private readonly rateLimit: EmulatorOptions["rateLimit"]) {}

  check(chatId: number, p: Params): void {
    const rl = this.rateLimit;
    if (!rl) return;
    const now = Date.now();
    let chatLog = this.sendLog.chats.get(chatId);
    if (!chatLog) this.sendLog.chats.set(chatId, (chatLog = []));
    const globalLimit =
      rl.globalPerSecond === undefined
        ? undefined
        : flag(p.allow_paid_broadcast)
          ? Math.max(rl.globalPerSecond, 1000)
          : rl.globalPerSecond;
    const checks: [number[], number | undefined, number][] = [
      [this.sendLog.global, globalLimit, 1000],
      [chatLog, chatId > 0 ? rl.perChatPerSecond : rl.perGroupPerMinute, chatId > 0 ? 1000 : 60_000],
    ];
    for (const [log, limit, windowMs] of checks) {
      while (log.length > 0 && log[0]! <= now - windowMs) log.shift();
      if (limit !== undefined && log.length >= limit) {
        const retry = Math.max(1, Math.ceil((log[0]! + windowMs - now) / 1000));
        throw new ApiError(429, `Too Many Requests: retry after ${retry}`, { retry_after: retry });
      }
    }
    this.sendLog.global.push(now);
    chatLog.push(now);
  }
}
