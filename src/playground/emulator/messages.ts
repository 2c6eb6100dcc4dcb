/**
 * The Bot API methods that send, copy, edit and delete messages, answer callback queries and read chats
 * and files. Each checks what Telegram checks (validation.ts) before it changes a chat (chats.ts).
 */
import type { Message } from "grammy/types";
import type { ChatStore, RateLimiter, Rec } from "./chats";
import type { FileStore } from "./files";
import type { Handler } from "./http";
import { clean, isObj, nowSec, optNum, optStr, stableJson } from "./params";
import { bad, type StoredMessage } from "./types";
import {
  CHAT_ACTIONS,
  captionFields,
  editMarkup,
  inlineOf,
  location as locationParam,
  messageCaption,
  messageText,
  notModified,
  parseMarkup,
} from "./validation";

export interface MessageDeps {
  chats: ChatStore;
  files: FileStore;
  rate: RateLimiter;
  /** Told of every edited bot message (the emulator's "edit" event). */
  announceEdit(stored: StoredMessage): void;
}

/** A media message's caption as the playground shows it. */
function shownCaption(p: Record<string, unknown>) {
  return { caption: optStr(p.caption, "caption"), parse_mode: optStr(p.parse_mode, "parse_mode") || undefined };
}

export function messageMethods({ chats, files, rate, announceEdit }: MessageDeps): Record<string, Handler> {
  const edited = (rec: Rec): Message => {
    announceEdit(rec.stored);
    return clean({ ...rec.msg }) as Message;
  };

  /** What every send method ends with: the reply target, the rate check, and the new message. */
  const send = (
    p: Record<string, unknown>,
    chatId: number,
    fields: Record<string, unknown>,
    stored: Partial<StoredMessage>,
  ): Message => {
    const markup = parseMarkup(p.reply_markup);
    const replyTo = chats.replyTarget(chatId, p);
    rate.check(chatId, p);
    return chats.newRec(
      chatId,
      true,
      { ...fields, reply_to_message: replyTo?.msg, reply_markup: inlineOf(markup) },
      { ...stored, reply_markup: markup },
    ).msg;
  };

  return {
    sendMessage: (p) => {
      const chatId = chats.writableChat(p.chat_id);
      const parsed = messageText(p.text, p.parse_mode, p.entities);
      return send(
        p,
        chatId,
        {
          text: parsed.text,
          entities: parsed.entities.length ? parsed.entities : undefined,
          link_preview_options: isObj(p.link_preview_options) ? p.link_preview_options : undefined,
        },
        { text: optStr(p.text, "text"), parse_mode: optStr(p.parse_mode, "parse_mode") || undefined },
      );
    },

    sendDocument: (p, { files: uploads }) => {
      const chatId = chats.writableChat(p.chat_id);
      const caption = messageCaption(p.caption, p.parse_mode, p.caption_entities);
      const f = files.inputFile(p.document, uploads, "document", "document");
      const document = clean({
        file_id: f.file_id,
        file_unique_id: f.file_unique_id,
        file_name: f.file_name,
        mime_type: f.mime_type,
        file_size: f.file_size,
      });
      return send(
        p,
        chatId,
        { document, ...captionFields(caption) },
        { document: clean({ file_name: f.file_name, file_id: f.file_id, data: f.data }), ...shownCaption(p) },
      );
    },

    sendPhoto: (p, { files: uploads }) => {
      const chatId = chats.writableChat(p.chat_id);
      const caption = messageCaption(p.caption, p.parse_mode, p.caption_entities);
      const f = files.inputFile(p.photo, uploads, "photo", "photo");
      const photo = files.photoSizes(f.data, f);
      return send(p, chatId, { photo, ...captionFields(caption) }, { photo: f.file_id, ...shownCaption(p) });
    },

    sendLocation: (p) => {
      const chatId = chats.writableChat(p.chat_id);
      const location = locationParam(p);
      return send(p, chatId, { location }, { location });
    },

    sendContact: (p) => {
      const chatId = chats.writableChat(p.chat_id);
      const phone_number = optStr(p.phone_number, "phone_number");
      const first_name = optStr(p.first_name, "first_name");
      if (!phone_number) throw bad("phone number is empty");
      if (!first_name) throw bad("first name is empty");
      const contact = clean({ phone_number, first_name, last_name: optStr(p.last_name, "last_name") || undefined });
      return send(p, chatId, { contact }, { contact });
    },

    sendVenue: (p) => {
      const chatId = chats.writableChat(p.chat_id);
      const location = locationParam(p);
      const title = optStr(p.title, "title");
      const address = optStr(p.address, "address");
      if (!title) throw bad("venue title is empty");
      if (!address) throw bad("venue address is empty");
      const venue = clean({
        location,
        title,
        address,
        foursquare_id: optStr(p.foursquare_id, "foursquare_id"),
        google_place_id: optStr(p.google_place_id, "google_place_id"),
      });
      return send(p, chatId, { location, venue }, { location, text: `${title}\n${address}` });
    },

    copyMessage: (p) => {
      const chatId = chats.writableChat(p.chat_id);
      const fromChat = chats.chatId(p.from_chat_id);
      const src = chats.find(fromChat, chats.messageId(p.message_id));
      if (!src) throw bad("message to copy not found");
      const markup = parseMarkup(p.reply_markup);
      const newCaption = messageCaption(p.caption, p.parse_mode, p.caption_entities);
      const replyTo = chats.replyTarget(chatId, p);
      rate.check(chatId, p);
      const {
        message_id: _m,
        from: _f,
        sender_chat: _s,
        chat: _c,
        date: _d,
        edit_date: _e,
        reply_markup: _r,
        reply_to_message: _t,
        ...content
      } = src.msg as any;
      const hasCaption = src.msg.document || src.msg.photo;
      const fields: Record<string, unknown> = {
        ...content,
        reply_to_message: replyTo?.msg,
        reply_markup: inlineOf(markup),
      };
      const stored: Partial<StoredMessage> = { ...src.stored, reply_markup: markup };
      if (hasCaption && p.caption !== undefined) {
        Object.assign(fields, { caption: undefined, caption_entities: undefined }, captionFields(newCaption));
        Object.assign(stored, {
          caption: optStr(p.caption, "caption"),
          parse_mode: optStr(p.parse_mode, "parse_mode") || undefined,
        });
      }
      delete stored.message_id;
      delete stored.chat_id;
      delete stored.date;
      const rec = chats.newRec(chatId, true, fields, { ...stored, from_bot: true });
      return { message_id: rec.msg.message_id };
    },

    sendChatAction: (p) => {
      chats.writableChat(p.chat_id);
      if (!CHAT_ACTIONS.has(optStr(p.action, "action") ?? "")) throw bad("wrong parameter action in request");
      return true;
    },

    getChat: (p) => {
      const id = chats.chatId(p.chat_id);
      return {
        ...chats.chatObject(id),
        accent_color_id: 0,
        max_reaction_count: 11,
        accepted_gift_types: {
          unlimited_gifts: false,
          limited_gifts: false,
          unique_gifts: false,
          premium_subscription: false,
        },
      };
    },

    getChatMember: (p) => {
      const chatId = chats.chatId(p.chat_id);
      const userId = optNum(p.user_id, "user_id");
      if (userId === undefined || userId <= 0) throw bad("invalid user_id specified");
      const group = chats.groups.get(chatId);
      if (!group) {
        // A private chat has two members: the user and the bot.
        if (userId !== chatId && userId !== chats.botId) throw bad("PARTICIPANT_ID_INVALID");
        return { ...chats.chatMember(chatId, userId), status: "member" };
      }
      if (group.type === "channel") {
        const bot = chats.members.get(chatId)?.get(chats.botId);
        if (bot?.status !== "creator" && bot?.status !== "administrator") throw bad("member list is inaccessible");
      }
      return chats.chatMember(chatId, userId);
    },

    getFile: (p) => files.getFile(p),

    editMessageText: (p) => {
      const rec = chats.editTarget(p);
      if (rec.msg.text === undefined) throw bad("there is no text in the message to edit");
      const parsed = messageText(p.text, p.parse_mode, p.entities);
      const inline = editMarkup(p.reply_markup);
      if (
        rec.msg.text === parsed.text &&
        stableJson(rec.msg.entities ?? []) === stableJson(parsed.entities) &&
        stableJson(rec.msg.reply_markup) === stableJson(inline)
      ) {
        throw notModified();
      }
      Object.assign(rec.msg, {
        text: parsed.text,
        entities: parsed.entities.length ? parsed.entities : undefined,
        reply_markup: inline,
        edit_date: nowSec(),
      });
      Object.assign(rec.stored, {
        text: optStr(p.text, "text"),
        parse_mode: optStr(p.parse_mode, "parse_mode") || undefined,
        reply_markup: inline,
      });
      return edited(rec);
    },

    editMessageCaption: (p) => {
      const rec = chats.editTarget(p);
      if (!rec.msg.document && !rec.msg.photo) throw bad("there is no caption in the message to edit");
      const parsed = messageCaption(p.caption, p.parse_mode, p.caption_entities) ?? { text: "", entities: [] };
      const inline = editMarkup(p.reply_markup);
      if (
        (rec.msg.caption ?? "") === parsed.text &&
        stableJson(rec.msg.caption_entities ?? []) === stableJson(parsed.entities) &&
        stableJson(rec.msg.reply_markup) === stableJson(inline)
      ) {
        throw notModified();
      }
      Object.assign(rec.msg, {
        caption: undefined,
        caption_entities: undefined,
        ...captionFields(parsed),
        reply_markup: inline,
        edit_date: nowSec(),
      });
      Object.assign(rec.stored, {
        caption: optStr(p.caption, "caption"),
        parse_mode: optStr(p.parse_mode, "parse_mode") || undefined,
        reply_markup: inline,
      });
      return edited(rec);
    },

    editMessageReplyMarkup: (p) => {
      const rec = chats.editTarget(p);
      const inline = editMarkup(p.reply_markup);
      if (stableJson(rec.msg.reply_markup) === stableJson(inline)) throw notModified();
      Object.assign(rec.msg, { reply_markup: inline, edit_date: nowSec() });
      rec.stored.reply_markup = inline;
      return edited(rec);
    },

    deleteMessage: (p) => {
      const chatId = chats.chatId(p.chat_id);
      const id = chats.messageId(p.message_id);
      const list = chats.list(chatId);
      const i = list.findIndex((r) => r.msg.message_id === id);
      if (i < 0) throw bad("message to delete not found");
      list.splice(i, 1);
      return true;
    },

    answerCallbackQuery: (p) => {
      const q = chats.query(optStr(p.callback_query_id, "callback_query_id") ?? "");
      if (!q || q.answered) throw bad("query is too old and response timeout expired or query ID is invalid");
      if ((optStr(p.text, "text") ?? "").length > 200) throw bad("MESSAGE_TOO_LONG");
      q.answered = true;
      return true;
    },
  };
}
