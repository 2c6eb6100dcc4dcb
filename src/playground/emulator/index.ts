/**
 * An in-process fake Telegram Bot API server on 127.0.0.1.
 *
 * The bot talks to it through grammY's `client.apiRoot`, exactly as it talks to api.telegram.org.
 * It validates requests the way Telegram does (see /work/shared/TELEGRAM.md), so a bot bug shows up
 * as a 400/403/429 in a test instead of in production. Used by the tests (test/support/fake-telegram.ts)
 * and by the local terminal playground.
 *
 * Not emulated: webhook delivery (updates stay queued for getUpdates), inline mode, media groups,
 * forum topics. Error descriptions follow Telegram's wording where it is known.
 *
 * The parts, each readable alone:
 *   types.ts       the public types and ApiError
 *   http.ts        the HTTP server: routes, request bodies (JSON, form, multipart), recording calls
 *   updates.ts     the update queue, getUpdates long polling, webhook settings
 *   format.ts      HTML, MarkdownV2 and Markdown parse modes
 *   validation.ts  keyboards and callback data, text and caption limits, locations
 *   chats.ts       users, groups, messages, callback queries, flood control (429)
 *   files.ts       documents and photos, getFile and file downloads
 *   messages.ts    the methods that send, copy, edit and delete messages
 *   profile.ts     getMe, commands, menu button, descriptions
 * This file puts them together and holds what tests and the playground call.
 */
import { EventEmitter } from "node:events";
import type http from "node:http";
import type { BotCommand, Message, Update, UserFromGetMe } from "grammy/types";
import { ChatStore, type MemberInit, RateLimiter } from "./chats";
import { FileStore } from "./files";
import { createApiServer, type Handler, listen } from "./http";
import { messageMethods } from "./messages";
import { BotProfile, commandKey } from "./profile";
import type { ApiCall, EmulatorOptions, FakeChatInit, FakeUserInit, StoredMessage } from "./types";
import { UpdateQueue } from "./updates";

export { formatText, parseMarkdown, parseMarkdownV2, parseTelegramHtml } from "./format";
export type { ApiCall, EmulatorOptions, FakeChatInit, FakeUserInit, ParsedText, StoredMessage } from "./types";
export { ApiError } from "./types";
export type { MemberInit } from "./chats";
export { validateReplyMarkup } from "./validation";

export class BotApiEmulator extends EventEmitter {
  readonly token: string;
  readonly calls: ApiCall[] = [];
  readonly botInfo: UserFromGetMe;

  private readonly server: http.Server;
  private port = 0;
  private closing = false;
  private readonly chats: ChatStore;
  private readonly files = new FileStore();
  private readonly updates: UpdateQueue;
  private readonly profile: BotProfile;

  private constructor(opts: EmulatorOptions) {
    super();
    this.setMaxListeners(100);
    this.token = opts.token ?? "123456:TEST";
    const id = Number(this.token.split(":")[0]);
    this.botInfo = {
      id: Number.isSafeInteger(id) && id > 0 ? id : 123456,
      is_bot: true,
      first_name: "Erikti",
      username: opts.botUsername ?? "erikti_bot",
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    };
    this.chats = new ChatStore(this.botInfo, (stored) => this.emit("message", stored));
    this.updates = new UpdateQueue((update) => this.emit("update", update));
    this.profile = new BotProfile(this.botInfo, this.chats);
    const handlers: Record<string, Handler> = {
      ...this.profile.methods(),
      ...this.updates.methods(),
      ...messageMethods({
        chats: this.chats,
        files: this.files,
        rate: new RateLimiter(opts.rateLimit),
        announceEdit: (stored) => this.emit("edit", stored),
      }),
    };
    this.server = createApiServer({
      token: this.token,
      // Telegram's method names are case-insensitive.
      handlers: Object.fromEntries(Object.entries(handlers).map(([k, v]) => [k.toLowerCase(), v])),
      file: (path) => this.files.byPath(path),
      calls: this.calls,
      announce: (call) => this.emit("call", call),
    });
  }

  static async start(opts: EmulatorOptions = {}): Promise<BotApiEmulator> {
    const emu = new BotApiEmulator(opts);
    emu.port = await listen(emu.server, opts.port ?? 0);
    return emu;
  }

  /** "http://127.0.0.1:PORT": pass as grammY's `client.apiRoot`. */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  // ----- people and chats ----------------------------------------------------------------------

  addUser(init: FakeUserInit): FakeUserInit {
    const user = { ...init, started: init.started ?? true };
    const prev = this.chats.users.get(init.id);
    this.chats.users.set(init.id, {
      init: user,
      blocked: prev?.blocked ?? false,
      deactivated: prev?.deactivated ?? false,
    });
    return user;
  }

  addChat(init: FakeChatInit): FakeChatInit {
    if (init.id >= 0) throw new Error(`BotApiEmulator.addChat: group/channel ids are negative, got ${init.id}`);
    this.chats.groups.set(init.id, { ...init });
    return init;
  }

  /** A user's (or, with the bot's id, the bot's) standing in a group or channel, as getChatMember reports it. */
  setMember(chatId: number, userId: number, member: MemberInit): void {
    if (!this.chats.groups.has(chatId)) throw new Error(`BotApiEmulator.setMember: unknown chat ${chatId}`);
    this.chats.setMember(chatId, userId, member);
  }

  /**
   * The bot's standing in a group or channel changes (added as admin, demoted, removed) by `byUserId`: stored, and
   * the my_chat_member update Telegram sends is queued.
   */
  changeBotMember(chatId: number, byUserId: number, member: MemberInit): Update {
    const old = this.chats.chatMember(chatId, this.botInfo.id);
    this.setMember(chatId, this.botInfo.id, member);
    return this.updates.enqueue({
      my_chat_member: {
        chat: this.chats.chatObject(chatId),
        from: this.chats.userObject(this.chats.user(byUserId).init),
        date: Math.floor(Date.now() / 1000),
        old_chat_member: old,
        new_chat_member: this.chats.chatMember(chatId, this.botInfo.id),
      },
    } as Omit<Update, "update_id">);
  }

  /** The user forwards a post of a channel (or an anonymous admin's message of a group) to the bot. */
  forwardFromChat(userId: number, chatId: number, messageId = 1): Update {
    const chat = this.chats.chatObject(chatId);
    const date = Math.floor(Date.now() / 1000);
    const forward_origin =
      chat.type === "channel"
        ? { type: "channel", chat, message_id: messageId, date }
        : { type: "chat", sender_chat: chat, date };
    return this.userMessage(userId, { text: "📣", forward_origin }, { text: "📣" });
  }

  setLanguage(userId: number, language_code: string | undefined): void {
    this.chats.user(userId).init.language_code = language_code;
  }
  blockBot(userId: number): void {
    this.chats.user(userId).blocked = true;
  }
  unblockBot(userId: number): void {
    this.chats.user(userId).blocked = false;
  }
  deactivate(userId: number): void {
    this.chats.user(userId).deactivated = true;
  }

  // ----- what users do --------------------------------------------------------------------------

  sendText(userId: number, text: string): Update {
    // Telegram marks "/cmd" or "/cmd@bot" at the start as a bot_command (grammY's bot.command relies on it).
    const cmd = /^\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?/.exec(text);
    const entities = cmd ? [{ type: "bot_command" as const, offset: 0, length: cmd[0].length }] : undefined;
    return this.userMessage(userId, { text, entities }, { text });
  }

  sendLocation(userId: number, latitude: number, longitude: number): Update {
    return this.userMessage(userId, { location: { latitude, longitude } }, { location: { latitude, longitude } });
  }

  /** A contact shared with the keyboard's "share my phone" button (user_id: the sender) or from the address book. */
  sendContact(userId: number, contact: { phone_number: string; first_name: string; user_id?: number }): Update {
    return this.userMessage(userId, { contact }, {});
  }

  sendSticker(userId: number): Update {
    const f = this.files.newFile("sticker", "sticker.webp", Buffer.from("RIFF0000WEBP"));
    const sticker = {
      file_id: f.file_id,
      file_unique_id: f.file_unique_id,
      type: "regular",
      width: 512,
      height: 512,
      is_animated: false,
      is_video: false,
      emoji: "👍",
      file_size: f.file_size,
    };
    return this.userMessage(userId, { sticker }, {});
  }

  sendPhoto(userId: number, caption?: string): Update {
    const photo = this.files.photoSizes(
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0xff, 0xd9]),
    );
    return this.userMessage(userId, { photo, caption }, { photo: photo.at(-1)!.file_id, caption });
  }

  /** A press on an inline button of a bot message. The data is not checked against the keyboard: forged presses are possible. */
  pressButton(userId: number, messageId: number, data: string, chatId = userId): Update {
    const user = this.chats.user(userId);
    const rec = this.chats.find(chatId, messageId);
    if (!rec?.stored.from_bot)
      throw new Error(`BotApiEmulator.pressButton: no bot message ${messageId} in chat ${chatId}`);
    const id = this.chats.newQuery();
    return this.updates.enqueue({
      callback_query: {
        id,
        from: this.chats.userObject(user.init),
        message: structuredClone(rec.msg),
        chat_instance: String(-(chatId % 1_000_000_007) - 1),
        data,
      },
    } as Omit<Update, "update_id">);
  }

  /**
   * A press Telegram sends without a usable message: a button of an inline message (inline_message_id, no message,
   * no chat) or of a message the bot can no longer access (an InaccessibleMessage with date 0).
   */
  pressWithoutMessage(userId: number, data: string, kind: "inline" | "inaccessible", messageId = 1): Update {
    const user = this.chats.user(userId);
    const id = this.chats.newQuery();
    const where =
      kind === "inline"
        ? { inline_message_id: `AAAA${id}` }
        : { message: { chat: this.chats.chatObject(userId), message_id: messageId, date: 0 } };
    return this.updates.enqueue({
      callback_query: {
        id,
        from: this.chats.userObject(user.init),
        ...where,
        chat_instance: String(-(userId % 1_000_000_007) - 1),
        data,
      },
    } as Omit<Update, "update_id">);
  }

  /** The user deletes a message in their app ("for both"): the bot can no longer edit it. */
  removeMessage(chatId: number, messageId: number): void {
    this.chats.remove(chatId, messageId);
  }

  pushUpdate(update: Omit<Update, "update_id">): Update {
    return this.updates.enqueue(update);
  }

  private userMessage(userId: number, fields: Record<string, unknown>, stored: Partial<StoredMessage>): Update {
    const u = this.chats.user(userId);
    if (u.deactivated) throw new Error(`BotApiEmulator: user ${userId} is deactivated and can't send messages`);
    // Writing to the bot means Start was pressed, and (like Telegram's "Restart" button) unblocks it.
    u.init.started = true;
    u.blocked = false;
    const rec = this.chats.newRec(userId, false, fields, stored);
    return this.updates.enqueue({ message: rec.msg } as Omit<Update, "update_id">);
  }

  // ----- inspection -----------------------------------------------------------------------------

  messages(chatId: number): StoredMessage[] {
    return this.chats.list(chatId).map((r) => r.stored);
  }
  botMessages(chatId: number): StoredMessage[] {
    return this.messages(chatId).filter((m) => m.from_bot);
  }
  lastBotMessage(chatId: number): StoredMessage | undefined {
    return this.botMessages(chatId).at(-1);
  }
  /** The Telegram Message object the bot would see (current state). */
  message(chatId: number, messageId: number): Message | undefined {
    return this.chats.find(chatId, messageId)?.msg;
  }
  /** A file the bot sent or a user uploaded, by file_id (no data for one sent by URL). */
  file(fileId: string): { file_name?: string; mime_type?: string; data?: Buffer } | undefined {
    const f = this.files.byId(fileId);
    return f && { file_name: f.file_name, mime_type: f.mime_type, data: f.data };
  }
  callsTo(chatId: number): ApiCall[] {
    return this.calls.filter((c) => c.params.chat_id === chatId || c.params.chat_id === String(chatId));
  }
  failed(): ApiCall[] {
    return this.calls.filter((c) => !c.ok);
  }
  /** seq of the last recorded call (0 if none): pass as `afterSeq` to waitForCall. */
  lastSeq(): number {
    return this.calls.at(-1)?.seq ?? 0;
  }
  /** Long polls the server is holding open right now. */
  pendingPolls(): number {
    return this.updates.pendingPolls();
  }

  pendingUpdates(): number {
    return this.updates.pendingUpdates();
  }
  /** Commands stored by setMyCommands for a scope (default: {type:"default"}) and language ("" = all). */
  myCommands(languageCode = "", scope: unknown = { type: "default" }): BotCommand[] {
    return this.profile.commandSets.get(commandKey(scope, languageCode)) ?? [];
  }

  waitForCall(
    pred: (c: ApiCall) => boolean,
    opts: number | { timeoutMs?: number; afterSeq?: number } = {},
  ): Promise<ApiCall> {
    const { timeoutMs = 5000, afterSeq = 0 } = typeof opts === "number" ? { timeoutMs: opts } : opts;
    const hit = this.calls.find((c) => c.seq > afterSeq && pred(c));
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.off("call", onCall);
      };
      const onCall = (c: ApiCall) => {
        try {
          if (c.seq > afterSeq && pred(c)) {
            cleanup();
            resolve(c);
          }
        } catch (e) {
          cleanup();
          reject(e);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `waitForCall: no matching call (after #${afterSeq}) within ${timeoutMs} ms. Last calls:\n${this.describeCalls(15)}`,
          ),
        );
      }, timeoutMs);
      this.on("call", onCall);
    });
  }

  describeCalls(last = 15): string {
    const lines = this.calls.slice(-last).map((c) => {
      const params = JSON.stringify(c.params);
      const outcome = c.ok ? (c.aborted ? "aborted" : "ok") : `${c.error?.error_code} ${c.error?.description}`;
      return `  #${c.seq} ${c.method} → ${outcome} ${params.length > 160 ? `${params.slice(0, 160)}…` : params}`;
    });
    return lines.length ? lines.join("\n") : "  (none)";
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.updates.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
      // Keep-alive sockets that just got their last answer: give the bytes a moment, then cut them.
      setTimeout(() => this.server.closeAllConnections(), 100).unref();
    });
  }
}
