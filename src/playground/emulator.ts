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
 */
import { EventEmitter } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { BotCommand, Chat, Message, MessageEntity, Update, User, UserFromGetMe } from "grammy/types";

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

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

const bad = (what: string) => new ApiError(400, `Bad Request: ${what}`);
const forbidden = (what: string) => new ApiError(403, `Forbidden: ${what}`);

type Params = Record<string, unknown>;
const isObj = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);
const utf8Offset = (s: string, i: number) => Buffer.byteLength(s.slice(0, i), "utf8");
const nowSec = () => Math.floor(Date.now() / 1000);

// ---------------------------------------------------------------------------------------------
// Text formatting: HTML, MarkdownV2, Markdown
// ---------------------------------------------------------------------------------------------

const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };
const ENTITY_RE = /&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));/y;

/** Decodes the HTML entity starting at s[i] ("&…;"), or undefined when it is not one we accept. */
function decodeEntityAt(s: string, i: number): { text: string; length: number } | undefined {
  ENTITY_RE.lastIndex = i;
  const m = ENTITY_RE.exec(s);
  if (!m) return undefined;
  if (m[1]) return { text: NAMED_ENTITIES[m[1]]!, length: m[0].length };
  const cp = m[2] !== undefined ? parseInt(m[2], 10) : parseInt(m[3]!, 16);
  if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
  return { text: String.fromCodePoint(cp), length: m[0].length };
}

const HTML_TAG_TYPES: Record<string, MessageEntity["type"]> = {
  b: "bold", strong: "bold", i: "italic", em: "italic", u: "underline", ins: "underline",
  s: "strikethrough", strike: "strikethrough", del: "strikethrough", span: "spoiler", "tg-spoiler": "spoiler",
  a: "text_link", code: "code", pre: "pre", blockquote: "blockquote", "tg-emoji": "custom_emoji",
};

function sortEntities(entities: MessageEntity[]): MessageEntity[] {
  return entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
}

/**
 * Parses Telegram's HTML parse mode. Stricter than Telegram in one way (see TELEGRAM.md): every `&`
 * must start `&lt; &gt; &amp; &quot;` or a numeric entity. Throws an ApiError with Telegram's description.
 */
export function parseTelegramHtml(html: string): ParsedText {
  const err = (reason: string) => bad(`can't parse entities: ${reason}`);
  const at = (i: number) => utf8Offset(html, i);
  const n = html.length;
  const isSpace = (i: number) => i < n && /\s/.test(html[i]!);
  const readName = (j: number) => {
    const start = j;
    while (j < n && /[A-Za-z0-9_-]/.test(html[j]!)) j++;
    return { name: html.slice(start, j).toLowerCase(), end: j };
  };
  // Attribute values may contain entities too, with the same strictness.
  const decodeValue = (from: number, to: number) => {
    let v = "";
    for (let k = from; k < to; ) {
      if (html[k] === "&") {
        const e = decodeEntityAt(html, k);
        if (!e || k + e.length > to) throw err(`Unescaped "&" at byte offset ${at(k)}`);
        v += e.text;
        k += e.length;
      } else v += html[k++];
    }
    return v;
  };

  let out = "";
  const entities: MessageEntity[] = [];
  const codeLanguage = new Map<MessageEntity, string>();
  const open: { tag: string; attrs: Map<string, string>; start: number }[] = [];
  let i = 0;
  while (i < n) {
    const c = html[i]!;
    if (c === "&") {
      const e = decodeEntityAt(html, i);
      if (!e) throw err(`Unescaped "&" at byte offset ${at(i)}; use "&amp;"`);
      out += e.text;
      i += e.length;
      continue;
    }
    if (c !== "<") {
      out += c;
      i++;
      continue;
    }
    if (html[i + 1] === "/") {
      // End tag.
      const { name, end } = readName(i + 2);
      let j = end;
      while (isSpace(j)) j++;
      if (html[j] !== ">") throw err(`Unclosed end tag at byte offset ${at(i)}`);
      const top = open.pop();
      if (!top) throw err(`Unexpected end tag at byte offset ${at(i)}`);
      if (top.tag !== name) {
        throw err(`Unmatched end tag at byte offset ${at(i)}, expected "</${top.tag}>", found "</${name}>"`);
      }
      const length = out.length - top.start;
      if (length > 0) {
        const e: any = { type: HTML_TAG_TYPES[top.tag], offset: top.start, length };
        if (top.tag === "a") e.url = top.attrs.get("href");
        if (top.tag === "tg-emoji") e.custom_emoji_id = top.attrs.get("emoji-id");
        if (top.tag === "blockquote" && top.attrs.has("expandable")) e.type = "expandable_blockquote";
        if (top.tag === "code") {
          const lang = /^language-(.+)$/.exec(top.attrs.get("class") ?? "")?.[1];
          if (lang) codeLanguage.set(e, lang);
        }
        if (top.tag === "pre") {
          // <pre><code class="language-x">…</code></pre> is one pre entity with a language.
          const last = entities.at(-1);
          if (last?.type === "code" && last.offset === top.start && last.length === length) {
            entities.pop();
            const lang = codeLanguage.get(last);
            if (lang) e.language = lang;
          }
        }
        entities.push(e as MessageEntity);
      }
      i = j + 1;
      continue;
    }
    // Start tag.
    const { name, end } = readName(i + 1);
    let j = end;
    if (!Object.hasOwn(HTML_TAG_TYPES, name)) throw err(`Unsupported start tag "${name}" at byte offset ${at(i)}`);
    const attrs = new Map<string, string>();
    for (;;) {
      while (isSpace(j)) j++;
      if (j >= n) throw err(`Unclosed start tag at byte offset ${at(i)}`);
      if (html[j] === ">") {
        j++;
        break;
      }
      const attr = readName(j);
      if (!attr.name) throw err(`Empty attribute name in the tag "${name}" at byte offset ${at(j)}`);
      j = attr.end;
      while (isSpace(j)) j++;
      if (html[j] !== "=") {
        if (name === "blockquote" && attr.name === "expandable") {
          attrs.set(attr.name, "");
          continue;
        }
        throw err(`Expected equal sign in declaration of an attribute of the tag "${name}" at byte offset ${at(j)}`);
      }
      j++;
      while (isSpace(j)) j++;
      const q = html[j];
      if (q === '"' || q === "'") {
        const close = html.indexOf(q, j + 1);
        if (close < 0) throw err(`Unclosed start tag at byte offset ${at(i)}`);
        attrs.set(attr.name, decodeValue(j + 1, close));
        j = close + 1;
      } else {
        const start = j;
        while (j < n && !/[\s>]/.test(html[j]!)) j++;
        attrs.set(attr.name, decodeValue(start, j));
      }
    }
    if (name === "span" && attrs.get("class") !== "tg-spoiler") {
      throw err(`Tag "span" must have class "tg-spoiler" at byte offset ${at(i)}`);
    }
    if (name === "a" && !attrs.get("href")) throw err(`Tag "a" must have a non-empty "href" attribute at byte offset ${at(i)}`);
    if (name === "tg-emoji" && !/^\d+$/.test(attrs.get("emoji-id") ?? "")) {
      throw err(`Tag "tg-emoji" must have a numeric "emoji-id" attribute at byte offset ${at(i)}`);
    }
    open.push({ tag: name, attrs, start: out.length });
    i = j;
  }
  const unclosed = open.at(-1);
  if (unclosed) throw err(`Can't find end tag corresponding to start tag "${unclosed.tag}"`);
  return { text: out, entities: sortEntities(entities) };
}

const MDV2_RESERVED = "_*[]()~`>#+-=|{}.!";
const MD_TYPES: Record<string, MessageEntity["type"]> = {
  "*": "bold", _: "italic", __: "underline", "~": "strikethrough", "||": "spoiler", "`": "code", "```": "pre",
};
const MD_NAMES: Record<string, string> = {
  "*": "Bold", _: "Italic", __: "Underline", "~": "Strikethrough", "||": "Spoiler", "`": "Code", "```": "Pre", "[": "TextUrl",
};

/** MarkdownV2, simplified: the entity syntax, `\` escapes, and the "reserved character" rule. */
export function parseMarkdownV2(s: string): ParsedText {
  const err = (reason: string) => bad(`can't parse entities: ${reason}`);
  let out = "";
  const entities: MessageEntity[] = [];
  const open: { marker: string; start: number; pos: number; language?: string }[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s[i]!;
    const top = open.at(-1);
    if (c === "\\" && i + 1 < n) {
      const code = s.charCodeAt(i + 1);
      if (code >= 1 && code <= 126) {
        out += s[i + 1];
        i += 2;
        continue;
      }
    }
    if (top && (top.marker === "`" || top.marker === "```")) {
      // Inside code only ` and \ are special.
      if (s.startsWith(top.marker, i)) {
        open.pop();
        if (out.length > top.start) {
          const e: any = { type: MD_TYPES[top.marker], offset: top.start, length: out.length - top.start };
          if (top.language) e.language = top.language;
          entities.push(e);
        }
        i += top.marker.length;
      } else {
        out += c;
        i++;
      }
      continue;
    }
    const lineStart = i === 0 || s[i - 1] === "\n";
    if (lineStart && s.startsWith("**>", i)) {
      i += 3; // expandable block quotation prefix (not tracked as an entity)
      continue;
    }
    if (lineStart && c === ">") {
      i++; // block quotation line prefix (not tracked as an entity)
      continue;
    }
    if (c === "[" || (c === "!" && s[i + 1] === "[")) {
      open.push({ marker: "[", start: out.length, pos: i });
      i += c === "!" ? 2 : 1;
      continue;
    }
    if (c === "]" && top?.marker === "[") {
      open.pop();
      i++;
      let url = "";
      if (s[i] === "(") {
        let j = i + 1;
        for (;;) {
          if (j >= n) throw err(`Can't find end of a URL at byte offset ${utf8Offset(s, i)}`);
          if (s[j] === "\\" && j + 1 < n) {
            url += s[j + 1];
            j += 2;
          } else if (s[j] === ")") break;
          else url += s[j++];
        }
        i = j + 1;
      }
      if (url && out.length > top.start) {
        const length = out.length - top.start;
        const m = /^tg:\/\/emoji\?id=(\d+)$/.exec(url);
        entities.push(
          m
            ? { type: "custom_emoji", offset: top.start, length, custom_emoji_id: m[1]! }
            : { type: "text_link", offset: top.start, length, url },
        );
      }
      continue;
    }
    let marker: string | undefined;
    if (s.startsWith("```", i)) marker = "```";
    else if (c === "_") marker = s[i + 1] === "_" ? "__" : "_";
    else if (c === "|" && s[i + 1] === "|") marker = "||";
    else if (c === "*" || c === "~" || c === "`") marker = c;
    if (marker) {
      if (top?.marker === marker) {
        open.pop();
        if (out.length > top.start) {
          entities.push({ type: MD_TYPES[marker], offset: top.start, length: out.length - top.start } as MessageEntity);
        }
        i += marker.length;
        continue;
      }
      const entry: (typeof open)[number] = { marker, start: out.length, pos: i };
      i += marker.length;
      if (marker === "```") {
        // ```language\n…```
        const nl = s.indexOf("\n", i);
        if (nl >= 0 && !s.slice(i, nl).includes("`")) {
          if (nl > i) entry.language = s.slice(i, nl);
          i = nl + 1;
        }
      }
      open.push(entry);
      continue;
    }
    if (MDV2_RESERVED.includes(c)) {
      throw err(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
    }
    out += c;
    i++;
  }
  const unclosed = open.at(-1);
  if (unclosed) {
    throw err(`Can't find end of ${MD_NAMES[unclosed.marker]} entity at byte offset ${utf8Offset(s, unclosed.pos)}`);
  }
  return { text: out, entities: sortEntities(entities) };
}

/** Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url), no nesting. */
export function parseMarkdown(s: string): ParsedText {
  const err = (pos: number) => bad(`can't parse entities: Can't find end of the entity starting at byte offset ${utf8Offset(s, pos)}`);
  let out = "";
  const entities: MessageEntity[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === "\\" && "_*`[".includes(s[i + 1] ?? " ")) {
      out += s[i + 1];
      i += 2;
      continue;
    }
    if (!"_*`[".includes(c)) {
      out += c;
      i++;
      continue;
    }
    const begin = i;
    if (c === "[") {
      const close = s.indexOf("]", i + 1);
      if (close < 0) throw err(begin);
      const text = s.slice(i + 1, close);
      let url = "";
      i = close + 1;
      if (s[i] === "(") {
        const end = s.indexOf(")", i);
        if (end < 0) throw err(begin);
        url = s.slice(i + 1, end);
        i = end + 1;
      }
      if (url && text) entities.push({ type: "text_link", offset: out.length, length: text.length, url });
      out += text;
      continue;
    }
    const marker = s.startsWith("```", i) ? "```" : c;
    const end = s.indexOf(marker, i + marker.length);
    if (end < 0) throw err(begin);
    let inner = s.slice(i + marker.length, end);
    let language: string | undefined;
    if (marker === "```") {
      const nl = inner.indexOf("\n");
      if (nl > 0 && !/\s/.test(inner.slice(0, nl))) {
        language = inner.slice(0, nl);
        inner = inner.slice(nl + 1);
      }
    }
    if (inner) {
      const e: any = { type: MD_TYPES[marker], offset: out.length, length: inner.length };
      if (language) e.language = language;
      entities.push(e);
    }
    out += inner;
    i = end + marker.length;
  }
  return { text: out, entities };
}

/** Applies parse_mode (or explicit entities) to a text or caption. */
export function formatText(text: string, parseMode: unknown, entities?: unknown): ParsedText {
  if (Array.isArray(entities)) return { text, entities: entities as MessageEntity[] };
  if (parseMode === undefined || parseMode === null || parseMode === "") return { text, entities: [] };
  if (typeof parseMode !== "string") throw bad("unsupported parse_mode");
  switch (parseMode.toLowerCase()) {
    case "html":
      return parseTelegramHtml(text);
    case "markdownv2":
      return parseMarkdownV2(text);
    case "markdown":
      return parseMarkdown(text);
    default:
      throw bad("unsupported parse_mode");
  }
}

// ---------------------------------------------------------------------------------------------
// reply_markup
// ---------------------------------------------------------------------------------------------

const BUTTON_KINDS = [
  "callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat", "login_url", "web_app", "pay", "copy_text", "callback_game",
] as const;
const BUTTON_URL = /^(?:https?|tg):\/\/\S+$/i;
const UNPARSABLE_MARKUP = "Bad Request: can't parse reply keyboard markup JSON object";

/** Validates a reply_markup object (or its JSON string); returns Telegram's error description or undefined. */
export function validateReplyMarkup(markup: unknown): string | undefined {
  if (typeof markup === "string") {
    try {
      markup = JSON.parse(markup);
    } catch {
      return UNPARSABLE_MARKUP;
    }
  }
  if (!isObj(markup)) return UNPARSABLE_MARKUP;
  if ("inline_keyboard" in markup) return validateInlineKeyboard(markup.inline_keyboard);
  if ("keyboard" in markup) {
    const rows = markup.keyboard;
    if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
      return `Bad Request: can't parse keyboard button: Field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays`;
    }
    let total = 0;
    for (const row of rows as unknown[][]) {
      for (const b of row) {
        total++;
        const text = typeof b === "string" ? b : isObj(b) ? b.text : undefined;
        if (typeof text !== "string" || text.trim() === "") return "Bad Request: can't parse keyboard button: Text must be non-empty";
      }
    }
    if (total > 300) return "Bad Request: REPLY_MARKUP_TOO_LONG";
    const ph = markup.input_field_placeholder;
    if (ph !== undefined && (typeof ph !== "string" || ph.length > 64)) return "Bad Request: input field placeholder is too long";
    return undefined;
  }
  if (markup.remove_keyboard === true) return undefined;
  if (markup.force_reply === true) return undefined;
  return UNPARSABLE_MARKUP;
}

function validateInlineKeyboard(rows: unknown): string | undefined {
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
    return `Bad Request: can't parse inline keyboard button: Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays`;
  }
  let total = 0;
  for (const row of rows as unknown[][]) {
    if (row.length > 8) return "Bad Request: too many inline keyboard buttons";
    for (const b of row) {
      total++;
      if (!isObj(b)) return "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must be an Object";
      if (typeof b.text !== "string" || b.text.trim() === "") return "Bad Request: BUTTON_TEXT_INVALID";
      const kinds = BUTTON_KINDS.filter((k) => b[k] !== undefined && b[k] !== null);
      if (kinds.length !== 1) return "Bad Request: BUTTON_TYPE_INVALID";
      switch (kinds[0]) {
        case "callback_data": {
          const d = b.callback_data;
          // The limit is in bytes: 33 Cyrillic letters are 66 bytes.
          if (typeof d !== "string" || d.length === 0 || Buffer.byteLength(d, "utf8") > 64) return "Bad Request: BUTTON_DATA_INVALID";
          break;
        }
        case "url":
          if (typeof b.url !== "string" || !BUTTON_URL.test(b.url)) return "Bad Request: BUTTON_URL_INVALID";
          break;
        case "login_url":
          if (!isObj(b.login_url) || typeof b.login_url.url !== "string" || !/^https?:\/\/\S+$/i.test(b.login_url.url)) {
            return "Bad Request: BUTTON_URL_INVALID";
          }
          break;
        case "web_app":
          if (!isObj(b.web_app) || typeof b.web_app.url !== "string" || !/^https:\/\/\S+$/i.test(b.web_app.url)) {
            return "Bad Request: BUTTON_URL_INVALID";
          }
          break;
        case "copy_text":
          if (!isObj(b.copy_text) || typeof b.copy_text.text !== "string" || b.copy_text.text.length < 1 || b.copy_text.text.length > 256) {
            return "Bad Request: COPY_TEXT_INVALID";
          }
          break;
        case "switch_inline_query":
        case "switch_inline_query_current_chat":
          if (typeof b[kinds[0]] !== "string") return "Bad Request: BUTTON_TYPE_INVALID";
          break;
      }
    }
  }
  if (total > 100) return "Bad Request: REPLY_MARKUP_TOO_LONG";
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Request parsing helpers
// ---------------------------------------------------------------------------------------------

/** Parameters Telegram expects as JSON when the body is a form (urlencoded or multipart). */
const JSON_FIELDS = new Set([
  "reply_markup", "entities", "caption_entities", "allowed_updates", "commands", "scope", "reply_parameters",
  "link_preview_options", "menu_button", "media",
]);

interface Upload {
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/**
 * A small multipart/form-data parser. Not undici's `Request.formData()`: grammY writes headers like
 * `content-disposition:form-data;name="x";filename=x.csv` (unquoted filename), which undici rejects.
 */
function parseMultipart(body: Buffer, boundary: string): { fields: Record<string, string>; files: Map<string, Upload> } {
  const fail = () => bad("can't parse multipart/form-data body");
  const fields: Record<string, string> = {};
  const files = new Map<string, Upload>();
  const delimiter = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw fail();
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // "--": the closing delimiter
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const end = body.indexOf(next, pos);
    if (end < 0) throw fail();
    const part = body.subarray(pos, end);
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) throw fail();
    const headerLines = part.subarray(0, headerEnd).toString("utf8").split("\r\n");
    const disposition = headerLines.find((l) => /^content-disposition\s*:/i.test(l));
    if (!disposition) throw fail();
    const attrs = new Map<string, string>();
    for (const piece of disposition.slice(disposition.indexOf(":") + 1).split(";")) {
      const eq = piece.indexOf("=");
      if (eq < 0) continue;
      let v = piece.slice(eq + 1).trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      attrs.set(piece.slice(0, eq).trim().toLowerCase(), v);
    }
    const name = attrs.get("name");
    if (name === undefined) throw fail();
    const content = part.subarray(headerEnd + 4);
    if (attrs.has("filename")) {
      const ct = headerLines.find((l) => /^content-type\s*:/i.test(l));
      files.set(name, { filename: attrs.get("filename"), contentType: ct?.slice(ct.indexOf(":") + 1).trim(), data: Buffer.from(content) });
    } else {
      fields[name] = content.toString("utf8");
    }
    pos = end + 2;
  }
  return { fields, files };
}

async function readBody(req: http.IncomingMessage, max = 50 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new ApiError(413, "Request Entity Too Large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function optStr(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw bad(`field "${name}" must be of type String`);
}

function optNum(v: unknown, name: string, integer = true): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const num = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  if (!Number.isFinite(num) || (integer && !Number.isSafeInteger(num))) throw bad(`field "${name}" must be of type ${integer ? "Integer" : "Float"}`);
  return num;
}

const flag = (v: unknown) => v === true || v === "true" || v === 1 || v === "1";

/** Drops undefined/null properties (as JSON would), so results and stored objects compare cleanly. */
function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;
}

/** JSON with sorted keys, for "is it the same markup" comparisons. */
function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val) =>
    isObj(val) ? Object.fromEntries(Object.entries(val).filter(([, x]) => x != null).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : val,
  ) ?? "null";
}

const MIME: Record<string, string> = {
  csv: "text/csv", txt: "text/plain", pdf: "application/pdf", json: "application/json", png: "image/png",
  jpg: "image/jpeg", jpeg: "image/jpeg", xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  zip: "application/zip", ics: "text/calendar",
};
const mimeOf = (name?: string) => MIME[name?.split(".").pop()?.toLowerCase() ?? ""] ?? "application/octet-stream";

const CHAT_ACTIONS = new Set([
  "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice", "upload_document",
  "choose_sticker", "find_location", "record_video_note", "upload_video_note",
]);
const COMMAND_SCOPES = new Set([
  "default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat", "chat_administrators", "chat_member",
]);
/** Update types Telegram leaves out unless allowed_updates asks for them. */
const NOT_DEFAULT_UPDATES = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

const ABORTED = Symbol("aborted");

// ---------------------------------------------------------------------------------------------
// The emulator
// ---------------------------------------------------------------------------------------------

interface UserState {
  init: FakeUserInit;
  blocked: boolean;
  deactivated: boolean;
}
interface Rec {
  stored: StoredMessage;
  msg: Message;
}
interface FileRec {
  file_id: string;
  file_unique_id: string;
  file_name?: string;
  mime_type?: string;
  file_size?: number;
  file_path: string;
  data?: Buffer;
}
interface Waiter {
  limit: number;
  superseded: boolean;
  finish(r: Update[] | typeof ABORTED | ApiError): void;
}
interface ReqCtx {
  res: http.ServerResponse;
  files: Map<string, Upload>;
}
type Handler = (p: Params, ctx: ReqCtx) => unknown;

export class BotApiEmulator extends EventEmitter {
  readonly token: string;
  readonly calls: ApiCall[] = [];
  readonly botInfo: UserFromGetMe;

  private readonly server: http.Server;
  private readonly rateLimit: EmulatorOptions["rateLimit"];
  private port = 0;
  private closing = false;
  private readonly users = new Map<number, UserState>();
  private readonly groups = new Map<number, FakeChatInit>();
  private readonly chats = new Map<number, Rec[]>();
  private readonly nextMessageId = new Map<number, number>();
  private readonly files = new Map<string, FileRec>();
  private fileCounter = 0;
  private queue: Update[] = [];
  private nextUpdateId = 100_000;
  private readonly waiters = new Set<Waiter>();
  private wakeScheduled = false;
  private allowedUpdates: Set<string> | undefined;
  private readonly queries = new Map<string, { answered: boolean }>();
  private queryCounter = 0;
  private readonly commandSets = new Map<string, BotCommand[]>();
  private readonly menuButtons = new Map<string, unknown>();
  private readonly descriptions = new Map<string, { description?: string; short_description?: string }>();
  private webhook: { url: string; secret_token?: string; max_connections?: number; allowed_updates?: string[] } | undefined;
  private readonly sendLog = { global: [] as number[], chats: new Map<number, number[]>() };
  private readonly handlers: Record<string, Handler>;

  private constructor(opts: EmulatorOptions) {
    super();
    this.setMaxListeners(100);
    this.token = opts.token ?? "123456:TEST";
    this.rateLimit = opts.rateLimit;
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
    this.handlers = this.buildHandlers();
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => this.reply(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${String(e)}` }));
    });
  }

  static async start(opts: EmulatorOptions = {}): Promise<BotApiEmulator> {
    const emu = new BotApiEmulator(opts);
    await new Promise<void>((resolve, reject) => {
      emu.server.once("error", reject);
      emu.server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
    });
    emu.port = (emu.server.address() as AddressInfo).port;
    return emu;
  }

  /** "http://127.0.0.1:PORT": pass as grammY's `client.apiRoot`. */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  // ----- people and chats ----------------------------------------------------------------------

  addUser(init: FakeUserInit): FakeUserInit {
    const user = { ...init, started: init.started ?? true };
    const prev = this.users.get(init.id);
    this.users.set(init.id, { init: user, blocked: prev?.blocked ?? false, deactivated: prev?.deactivated ?? false });
    return user;
  }

  addChat(init: FakeChatInit): FakeChatInit {
    if (init.id >= 0) throw new Error(`BotApiEmulator.addChat: group/channel ids are negative, got ${init.id}`);
    this.groups.set(init.id, { ...init });
    return init;
  }

  setLanguage(userId: number, language_code: string | undefined): void {
    this.user(userId).init.language_code = language_code;
  }
  blockBot(userId: number): void {
    this.user(userId).blocked = true;
  }
  unblockBot(userId: number): void {
    this.user(userId).blocked = false;
  }
  deactivate(userId: number): void {
    this.user(userId).deactivated = true;
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

  sendSticker(userId: number): Update {
    const f = this.newFile("sticker", "sticker.webp", Buffer.from("RIFF0000WEBP"));
    const sticker = {
      file_id: f.file_id, file_unique_id: f.file_unique_id, type: "regular", width: 512, height: 512,
      is_animated: false, is_video: false, emoji: "👍", file_size: f.file_size,
    };
    return this.userMessage(userId, { sticker }, {});
  }

  sendPhoto(userId: number, caption?: string): Update {
    const photo = this.photoSizes(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0xff, 0xd9]));
    return this.userMessage(userId, { photo, caption }, { photo: photo.at(-1)!.file_id, caption });
  }

  /** A press on an inline button of a bot message. The data is not checked against the keyboard: forged presses are possible. */
  pressButton(userId: number, messageId: number, data: string, chatId = userId): Update {
    const user = this.user(userId);
    const rec = this.find(chatId, messageId);
    if (!rec || !rec.stored.from_bot) throw new Error(`BotApiEmulator.pressButton: no bot message ${messageId} in chat ${chatId}`);
    const id = String(4_000_000_000_000_000 + ++this.queryCounter);
    this.queries.set(id, { answered: false });
    return this.enqueue({
      callback_query: {
        id, from: this.userObject(user.init), message: structuredClone(rec.msg),
        chat_instance: String(-(chatId % 1_000_000_007) - 1), data,
      },
    } as Omit<Update, "update_id">);
  }

  /**
   * A press Telegram sends without a usable message: a button of an inline message (inline_message_id, no message,
   * no chat) or of a message the bot can no longer access (an InaccessibleMessage with date 0).
   */
  pressWithoutMessage(userId: number, data: string, kind: "inline" | "inaccessible", messageId = 1): Update {
    const user = this.user(userId);
    const id = String(4_000_000_000_000_000 + ++this.queryCounter);
    this.queries.set(id, { answered: false });
    const where = kind === "inline"
      ? { inline_message_id: `AAAA${id}` }
      : { message: { chat: this.chatObject(userId), message_id: messageId, date: 0 } };
    return this.enqueue({
      callback_query: { id, from: this.userObject(user.init), ...where, chat_instance: String(-(userId % 1_000_000_007) - 1), data },
    } as Omit<Update, "update_id">);
  }

  /** The user deletes a message in their app ("for both"): the bot can no longer edit it. */
  removeMessage(chatId: number, messageId: number): void {
    const list = this.chats.get(chatId) ?? [];
    const i = list.findIndex((r) => r.msg.message_id === messageId);
    if (i < 0) throw new Error(`BotApiEmulator.removeMessage: no message ${messageId} in chat ${chatId}`);
    list.splice(i, 1);
  }

  pushUpdate(update: Omit<Update, "update_id">): Update {
    return this.enqueue(update);
  }

  // ----- inspection -----------------------------------------------------------------------------

  messages(chatId: number): StoredMessage[] {
    return (this.chats.get(chatId) ?? []).map((r) => r.stored);
  }
  botMessages(chatId: number): StoredMessage[] {
    return this.messages(chatId).filter((m) => m.from_bot);
  }
  lastBotMessage(chatId: number): StoredMessage | undefined {
    return this.botMessages(chatId).at(-1);
  }
  /** The Telegram Message object the bot would see (current state). */
  message(chatId: number, messageId: number): Message | undefined {
    return this.find(chatId, messageId)?.msg;
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
    return this.waiters.size;
  }

  pendingUpdates(): number {
    return this.queue.length;
  }
  /** Commands stored by setMyCommands for a scope (default: {type:"default"}) and language ("" = all). */
  myCommands(languageCode = "", scope: unknown = { type: "default" }): BotCommand[] {
    return this.commandSets.get(this.commandKey(scope, languageCode)) ?? [];
  }

  waitForCall(pred: (c: ApiCall) => boolean, opts: number | { timeoutMs?: number; afterSeq?: number } = {}): Promise<ApiCall> {
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
        reject(new Error(`waitForCall: no matching call (after #${afterSeq}) within ${timeoutMs} ms. Last calls:\n${this.describeCalls(15)}`));
      }, timeoutMs);
      this.on("call", onCall);
    });
  }

  describeCalls(last = 15): string {
    const lines = this.calls.slice(-last).map((c) => {
      const params = JSON.stringify(c.params);
      const outcome = c.ok ? (c.aborted ? "aborted" : "ok") : `${c.error?.error_code} ${c.error?.description}`;
      return `  #${c.seq} ${c.method} → ${outcome} ${params.length > 160 ? params.slice(0, 160) + "…" : params}`;
    });
    return lines.length ? lines.join("\n") : "  (none)";
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const w of [...this.waiters]) w.finish([]);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
      // Keep-alive sockets that just got their last answer: give the bytes a moment, then cut them.
      setTimeout(() => this.server.closeAllConnections(), 100).unref();
    });
  }

  // ----- HTTP -----------------------------------------------------------------------------------

  private reply(res: http.ServerResponse, status: number, body: unknown, contentType = "application/json"): void {
    if (res.headersSent || res.destroyed) return;
    const data = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    res.writeHead(status, { "content-type": contentType, "content-length": data.length });
    res.end(data);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file) return this.serveFile(res, decodeURIComponent(file[1]!), decodeURIComponent(file[2]!));
    const route = /^\/bot([^/]*)\/([A-Za-z0-9_]*)\/?$/.exec(url.pathname);
    if (!route) return this.reply(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    const token = decodeURIComponent(route[1]!);
    const method = route[2]!;

    let params: Params = {};
    let files = new Map<string, Upload>();
    let parseError: ApiError | undefined;
    try {
      ({ params, files } = await this.parseRequest(req, url));
    } catch (e) {
      if (res.destroyed) return; // the client went away mid-body
      parseError = e instanceof ApiError ? e : bad(`can't parse request body: ${String(e)}`);
    }

    let outcome: { result: unknown } | { error: ApiError };
    try {
      if (token !== this.token) throw new ApiError(401, "Unauthorized");
      const handler = this.handlers[method.toLowerCase()];
      if (!handler) throw new ApiError(404, "Not Found");
      if (parseError) throw parseError;
      outcome = { result: await handler(params, { res, files }) };
    } catch (e) {
      outcome = { error: e instanceof ApiError ? e : new ApiError(500, `Internal Server Error: ${e instanceof Error ? e.message : String(e)}`) };
    }

    const call: ApiCall = { seq: this.calls.length + 1, method, params, ok: !("error" in outcome), at: Date.now() };
    if ("error" in outcome) {
      const { error_code, description, parameters } = outcome.error;
      call.error = clean({ error_code, description, parameters });
      this.calls.push(call);
      this.reply(res, error_code, clean({ ok: false, error_code, description, parameters }));
    } else if (outcome.result === ABORTED) {
      Object.assign(call, { result: [], aborted: true });
      this.calls.push(call);
    } else {
      call.result = outcome.result;
      this.calls.push(call);
      this.reply(res, 200, { ok: true, result: outcome.result });
    }
    this.emit("call", call);
  }

  private async parseRequest(req: http.IncomingMessage, url: URL): Promise<{ params: Params; files: Map<string, Upload> }> {
    const params: Params = Object.fromEntries(url.searchParams);
    let files = new Map<string, Upload>();
    let form = url.searchParams.size > 0;
    const body = await readBody(req);
    const contentType = req.headers["content-type"] ?? "";
    if (body.length > 0) {
      if (/^multipart\/form-data/i.test(contentType)) {
        const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
        if (!boundary) throw bad("can't parse multipart/form-data body: no boundary");
        const parsed = parseMultipart(body, boundary[1] ?? boundary[2]!);
        Object.assign(params, parsed.fields);
        files = parsed.files;
        form = true;
      } else if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
        for (const [k, v] of new URLSearchParams(body.toString("utf8"))) params[k] = v;
        form = true;
      } else {
        let json: unknown;
        try {
          json = JSON.parse(body.toString("utf8"));
        } catch {
          throw bad("can't parse JSON object");
        }
        if (!isObj(json)) throw bad("can't parse JSON object");
        Object.assign(params, json);
      }
    }
    if (form) {
      // Form encodings carry strings only; Telegram decodes these fields as JSON.
      for (const k of JSON_FIELDS) {
        const v = params[k];
        if (typeof v === "string") {
          try {
            params[k] = JSON.parse(v);
          } catch {
            /* left as a string: the validation reports it */
          }
        }
      }
    }
    return { params, files };
  }

  private serveFile(res: http.ServerResponse, token: string, path: string): void {
    const f = token === this.token ? [...this.files.values()].find((x) => x.file_path === path) : undefined;
    if (!f?.data) return this.reply(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    this.reply(res, 200, f.data, f.mime_type ?? "application/octet-stream");
  }

  // ----- getUpdates / long polling --------------------------------------------------------------

  private enqueue(partial: Omit<Update, "update_id">): Update {
    const update = { update_id: this.nextUpdateId++, ...partial } as Update;
    this.queue.push(update);
    this.emit("update", update);
    // Deliver on a microtask so updates pushed together arrive in one getUpdates answer.
    if (!this.wakeScheduled) {
      this.wakeScheduled = true;
      queueMicrotask(() => {
        this.wakeScheduled = false;
        const w = [...this.waiters].reverse().find((x) => !x.superseded);
        if (!w) return;
        const ready = this.deliverable(w.limit);
        if (ready.length > 0) w.finish(ready);
      });
    }
    return update;
  }

  private deliverable(limit: number): Update[] {
    // Telegram never delivers update types outside allowed_updates, so they are dropped.
    this.queue = this.queue.filter((u) => {
      const type = Object.keys(u).find((k) => k !== "update_id") ?? "";
      return this.allowedUpdates ? this.allowedUpdates.has(type) : !NOT_DEFAULT_UPDATES.has(type);
    });
    return this.queue.slice(0, limit);
  }

  private getUpdates(p: Params, { res }: ReqCtx): Update[] | Promise<Update[] | typeof ABORTED> {
    if (this.webhook) {
      throw new ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    }
    const offset = optNum(p.offset, "offset");
    const limit = Math.min(100, Math.max(1, optNum(p.limit, "limit") ?? 100));
    const timeout = Math.max(0, optNum(p.timeout, "timeout") ?? 0);
    if (Array.isArray(p.allowed_updates)) {
      this.allowedUpdates = p.allowed_updates.length ? new Set(p.allowed_updates.map(String)) : undefined;
    }
    if (offset !== undefined && offset > 0) this.queue = this.queue.filter((u) => u.update_id >= offset);
    if (offset !== undefined && offset < 0) this.queue = this.queue.slice(offset);

    // Like Telegram, a new getUpdates terminates an older one with 409. The grace period lets a
    // client that aborted its poll (grammY's bot.stop()) be seen as gone first: that is no conflict.
    for (const w of this.waiters) {
      if (w.superseded) continue;
      w.superseded = true;
      setTimeout(() => w.finish(new ApiError(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")), 50).unref();
    }

    const ready = this.deliverable(limit);
    if (ready.length > 0 || timeout === 0 || this.closing) return ready;
    return new Promise((resolve, reject) => {
      let settled = false;
      const w: Waiter = {
        limit,
        superseded: false,
        finish: (r) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.waiters.delete(w);
          if (r instanceof ApiError) reject(r);
          else resolve(r);
        },
      };
      const timer = setTimeout(() => w.finish([]), timeout * 1000);
      timer.unref();
      // The client gave up (abort, bot.stop()). Nothing is lost: updates leave the queue only when an offset confirms them.
      res.on("close", () => {
        if (!res.writableEnded) w.finish(ABORTED);
      });
      this.waiters.add(w);
    });
  }

  // ----- helpers for the methods ----------------------------------------------------------------

  private user(id: number): UserState {
    const u = this.users.get(id);
    if (!u) throw new Error(`BotApiEmulator: unknown user ${id}; call addUser() first`);
    return u;
  }

  private userObject(u: FakeUserInit): User {
    return clean({ id: u.id, is_bot: false, first_name: u.first_name, last_name: u.last_name, username: u.username, language_code: u.language_code });
  }

  private botUser(): User {
    return { id: this.botInfo.id, is_bot: true, first_name: this.botInfo.first_name, username: this.botInfo.username };
  }

  private chatObject(chatId: number): Chat {
    const u = this.users.get(chatId);
    if (u) return clean({ id: chatId, type: "private", first_name: u.init.first_name, last_name: u.init.last_name, username: u.init.username }) as Chat;
    const g = this.groups.get(chatId)!;
    return clean({ id: chatId, type: g.type, title: g.title, username: g.username }) as Chat;
  }

  private chatId(v: unknown): number {
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
  private writableChat(v: unknown): number {
    const id = this.chatId(v);
    const u = this.users.get(id);
    if (u) {
      if (u.deactivated) throw forbidden("user is deactivated");
      if (u.blocked) throw forbidden("bot was blocked by the user");
      if (!u.init.started) throw forbidden("bot can't initiate conversation with a user");
    }
    return id;
  }

  private find(chatId: number, messageId: number): Rec | undefined {
    return this.chats.get(chatId)?.find((r) => r.msg.message_id === messageId);
  }

  private messageId(v: unknown): number {
    const id = optNum(v, "message_id");
    if (id === undefined) throw bad("message identifier is not specified");
    return id;
  }

  private newRec(chatId: number, fromBot: boolean, fields: Record<string, unknown>, stored: Partial<StoredMessage>): Rec {
    const message_id = this.nextMessageId.get(chatId) ?? 1;
    this.nextMessageId.set(chatId, message_id + 1);
    const date = nowSec();
    const chat = this.chatObject(chatId);
    const sender = chat.type === "channel" ? { sender_chat: chat } : { from: fromBot ? this.botUser() : this.userObject(this.user(chatId).init) };
    const msg = clean({ message_id, ...sender, chat, date, ...fields }) as unknown as Message;
    const rec: Rec = { msg, stored: clean({ message_id, chat_id: chatId, from_bot: fromBot, date, ...stored }) as StoredMessage };
    let list = this.chats.get(chatId);
    if (!list) this.chats.set(chatId, (list = []));
    list.push(rec);
    if (fromBot) this.emit("message", rec.stored);
    return rec;
  }

  private userMessage(userId: number, fields: Record<string, unknown>, stored: Partial<StoredMessage>): Update {
    const u = this.user(userId);
    if (u.deactivated) throw new Error(`BotApiEmulator: user ${userId} is deactivated and can't send messages`);
    // Writing to the bot means Start was pressed, and (like Telegram's "Restart" button) unblocks it.
    u.init.started = true;
    u.blocked = false;
    const rec = this.newRec(userId, false, fields, stored);
    return this.enqueue({ message: rec.msg } as Omit<Update, "update_id">);
  }

  private markup(v: unknown): any {
    if (v === undefined || v === null || v === "") return undefined;
    const error = validateReplyMarkup(v);
    if (error) throw new ApiError(400, error);
    return clean(typeof v === "string" ? JSON.parse(v) : v);
  }

  /** The inline keyboard Telegram echoes in the Message; other keyboards are not part of a message. */
  private static inline(markup: any): any {
    return markup && "inline_keyboard" in markup ? { inline_keyboard: markup.inline_keyboard } : undefined;
  }

  private text(raw: unknown, parseMode: unknown, entities: unknown): ParsedText {
    const parsed = formatText(optStr(raw, "text") ?? "", parseMode, entities);
    if (parsed.text.trim() === "") throw bad("message text is empty");
    if (parsed.text.length > 4096) throw bad("message is too long");
    return parsed;
  }

  private caption(raw: unknown, parseMode: unknown, entities: unknown): ParsedText | undefined {
    const s = optStr(raw, "caption");
    if (s === undefined) return undefined;
    const parsed = formatText(s, parseMode, entities);
    if (parsed.text.length > 1024) throw bad("message caption is too long");
    return parsed;
  }

  private replyTarget(chatId: number, p: Params): Rec | undefined {
    let rp: any = p.reply_parameters;
    if (!isObj(rp) && p.reply_to_message_id !== undefined) {
      rp = { message_id: p.reply_to_message_id, allow_sending_without_reply: p.allow_sending_without_reply };
    }
    if (!isObj(rp)) return undefined;
    const target = this.find(rp.chat_id !== undefined ? this.chatId(rp.chat_id) : chatId, this.messageId(rp.message_id));
    if (!target && !flag(rp.allow_sending_without_reply)) throw bad("message to be replied not found");
    return target;
  }

  /** Sliding-window flood control (only with options.rateLimit); counts only successful sends. */
  private checkRate(chatId: number, p: Params): void {
    const rl = this.rateLimit;
    if (!rl) return;
    const now = Date.now();
    let chatLog = this.sendLog.chats.get(chatId);
    if (!chatLog) this.sendLog.chats.set(chatId, (chatLog = []));
    const globalLimit = rl.globalPerSecond === undefined ? undefined : flag(p.allow_paid_broadcast) ? Math.max(rl.globalPerSecond, 1000) : rl.globalPerSecond;
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

  private newFile(kind: string, file_name: string | undefined, data: Buffer | undefined): FileRec {
    const n = ++this.fileCounter;
    const ext = file_name?.includes(".") ? file_name.split(".").pop() : "dat";
    const f: FileRec = clean({
      file_id: `${kind === "photo" ? "AgACAgIAAxkBAA" : "BQACAgIAAxkBAA"}${n.toString(36).padStart(6, "0")}${kind}`,
      file_unique_id: `AQAD${n.toString(36).padStart(5, "0")}`,
      file_name,
      mime_type: kind === "photo" ? "image/jpeg" : mimeOf(file_name),
      file_size: data?.length,
      file_path: `${kind}s/file_${n}.${ext}`,
      data,
    });
    this.files.set(f.file_id, f);
    return f;
  }

  private photoSizes(data: Buffer | undefined, existing?: FileRec) {
    const big = existing ?? this.newFile("photo", undefined, data);
    const small = this.newFile("photo", undefined, data);
    return [
      { file_id: small.file_id, file_unique_id: small.file_unique_id, width: 90, height: 68, file_size: small.file_size },
      { file_id: big.file_id, file_unique_id: big.file_unique_id, width: 1280, height: 960, file_size: big.file_size },
    ].map((s) => clean(s));
  }

  /** An InputFile parameter: an uploaded part (attach://… or the field itself), a known file_id, or an http(s) URL. */
  private inputFile(v: unknown, files: Map<string, Upload>, field: string, kind: string): FileRec {
    const upload = typeof v === "string" && v.startsWith("attach://") ? files.get(v.slice(9)) : files.get(field);
    if (upload) {
      if (upload.data.length === 0) throw bad("file must be non-empty");
      return this.newFile(kind, upload.filename, upload.data);
    }
    if (typeof v === "string" && v.startsWith("attach://")) throw bad(`there is no ${field} in the request`);
    if (v === undefined || v === null || v === "") throw bad(`there is no ${field} in the request`);
    if (typeof v !== "string") throw bad(`wrong file identifier/HTTP URL specified`);
    const known = this.files.get(v);
    if (known) return known;
    if (/^https?:\/\/\S+$/i.test(v)) {
      const name = decodeURIComponent(new URL(v).pathname.split("/").pop() || "") || undefined;
      return this.newFile(kind, name, undefined);
    }
    throw bad("wrong file identifier/HTTP URL specified");
  }

  private commandKey(scope: unknown, lang: unknown): string {
    const s: any = isObj(scope) ? scope : { type: "default" };
    if (!COMMAND_SCOPES.has(s.type)) throw bad("wrong scope type specified");
    const language = optStr(lang, "language_code") ?? "";
    if (language !== "" && !/^[a-z]{2}$/.test(language)) throw bad("invalid language code specified");
    return `${s.type}|${s.chat_id ?? ""}|${s.user_id ?? ""}|${language}`;
  }

  // ----- the methods ----------------------------------------------------------------------------

  private buildHandlers(): Record<string, Handler> {
    const h: Record<string, Handler> = {
      getMe: () => this.botInfo,
      getUpdates: (p, ctx) => this.getUpdates(p, ctx),
      close: () => true,
      logOut: () => true,

      setMyCommands: (p) => {
        const key = this.commandKey(p.scope, p.language_code);
        const cmds = p.commands;
        if (!Array.isArray(cmds)) throw bad("can't parse commands JSON object");
        if (cmds.length > 100) throw bad("BOT_COMMANDS_TOO_MUCH");
        for (const c of cmds) {
          if (!isObj(c) || typeof c.command !== "string" || !/^[a-z0-9_]{1,32}$/.test(c.command)) throw bad("BOT_COMMAND_INVALID");
          if (typeof c.description !== "string" || c.description.trim() === "" || c.description.length > 256) {
            throw bad("BOT_COMMAND_DESCRIPTION_INVALID");
          }
        }
        // An empty list is accepted, as by Telegram: it clears the commands.
        if (cmds.length === 0) this.commandSets.delete(key);
        else this.commandSets.set(key, cmds.map((c: any) => ({ command: c.command, description: c.description })));
        return true;
      },
      getMyCommands: (p) => this.commandSets.get(this.commandKey(p.scope, p.language_code)) ?? [],
      deleteMyCommands: (p) => {
        this.commandSets.delete(this.commandKey(p.scope, p.language_code));
        return true;
      },

      setWebhook: (p) => {
        const url = optStr(p.url, "url") ?? "";
        if (url !== "") {
          let parsed: URL;
          try {
            parsed = new URL(url);
          } catch {
            throw bad("bad webhook: Failed to resolve host: Name or service not known");
          }
          if (parsed.protocol !== "https:") throw bad("bad webhook: An HTTPS URL must be provided for webhook");
          if (!["", "80", "88", "443", "8443"].includes(parsed.port)) {
            throw bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443");
          }
        }
        const secret = optStr(p.secret_token, "secret_token");
        if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw bad("secret token contains unallowed characters");
        const maxConnections = optNum(p.max_connections, "max_connections");
        if (maxConnections !== undefined && (maxConnections < 1 || maxConnections > 100)) throw bad("bad webhook: max_connections must be between 1 and 100");
        if (flag(p.drop_pending_updates)) this.queue = [];
        if (Array.isArray(p.allowed_updates)) this.allowedUpdates = p.allowed_updates.length ? new Set(p.allowed_updates.map(String)) : undefined;
        this.webhook = url === "" ? undefined : clean({ url, secret_token: secret, max_connections: maxConnections, allowed_updates: this.allowedUpdates && [...this.allowedUpdates] });
        return true;
      },
      deleteWebhook: (p) => {
        this.webhook = undefined;
        if (flag(p.drop_pending_updates)) this.queue = [];
        return true;
      },
      getWebhookInfo: () =>
        clean({
          url: this.webhook?.url ?? "",
          has_custom_certificate: false,
          pending_update_count: this.queue.length,
          max_connections: this.webhook?.max_connections,
          allowed_updates: this.webhook?.allowed_updates,
        }),

      setChatMenuButton: (p) => {
        const key = p.chat_id === undefined ? "default" : String(this.chatId(p.chat_id));
        const mb: any = p.menu_button ?? { type: "default" };
        if (!isObj(mb) || !["commands", "web_app", "default"].includes(mb.type)) throw bad("can't parse menu button JSON object");
        if (mb.type === "web_app" && (typeof mb.text !== "string" || !mb.text || !isObj(mb.web_app) || !/^https:\/\//i.test(String(mb.web_app.url)))) {
          throw bad("BUTTON_URL_INVALID");
        }
        this.menuButtons.set(key, mb);
        return true;
      },
      getChatMenuButton: (p) => this.menuButtons.get(p.chat_id === undefined ? "default" : String(this.chatId(p.chat_id))) ?? { type: "commands" },
      setMyDescription: (p) => {
        const d = optStr(p.description, "description") ?? "";
        if (d.length > 512) throw bad("BOT_DESCRIPTION_INVALID");
        const key = optStr(p.language_code, "language_code") ?? "";
        this.descriptions.set(key, { ...this.descriptions.get(key), description: d });
        return true;
      },
      getMyDescription: (p) => ({ description: this.descriptions.get(optStr(p.language_code, "language_code") ?? "")?.description ?? "" }),
      setMyShortDescription: (p) => {
        const d = optStr(p.short_description, "short_description") ?? "";
        if (d.length > 120) throw bad("BOT_SHORT_DESCRIPTION_INVALID");
        const key = optStr(p.language_code, "language_code") ?? "";
        this.descriptions.set(key, { ...this.descriptions.get(key), short_description: d });
        return true;
      },
      getMyShortDescription: (p) => ({
        short_description: this.descriptions.get(optStr(p.language_code, "language_code") ?? "")?.short_description ?? "",
      }),

      sendMessage: (p) => {
        const chatId = this.writableChat(p.chat_id);
        const parsed = this.text(p.text, p.parse_mode, p.entities);
        const markup = this.markup(p.reply_markup);
        const replyTo = this.replyTarget(chatId, p);
        this.checkRate(chatId, p);
        const rec = this.newRec(
          chatId,
          true,
          {
            text: parsed.text,
            entities: parsed.entities.length ? parsed.entities : undefined,
            reply_to_message: replyTo?.msg,
            link_preview_options: isObj(p.link_preview_options) ? p.link_preview_options : undefined,
            reply_markup: BotApiEmulator.inline(markup),
          },
          { text: optStr(p.text, "text"), parse_mode: optStr(p.parse_mode, "parse_mode") || undefined, reply_markup: markup },
        );
        return rec.msg;
      },

      sendDocument: (p, { files }) => {
        const chatId = this.writableChat(p.chat_id);
        const caption = this.caption(p.caption, p.parse_mode, p.caption_entities);
        const markup = this.markup(p.reply_markup);
        const replyTo = this.replyTarget(chatId, p);
        const f = this.inputFile(p.document, files, "document", "document");
        this.checkRate(chatId, p);
        const document = clean({ file_id: f.file_id, file_unique_id: f.file_unique_id, file_name: f.file_name, mime_type: f.mime_type, file_size: f.file_size });
        return this.newRec(
          chatId,
          true,
          { document, ...this.captionFields(caption), reply_to_message: replyTo?.msg, reply_markup: BotApiEmulator.inline(markup) },
          {
            document: clean({ file_name: f.file_name, file_id: f.file_id, data: f.data }),
            caption: optStr(p.caption, "caption"),
            parse_mode: optStr(p.parse_mode, "parse_mode") || undefined,
            reply_markup: markup,
          },
        ).msg;
      },

      sendPhoto: (p, { files }) => {
        const chatId = this.writableChat(p.chat_id);
        const caption = this.caption(p.caption, p.parse_mode, p.caption_entities);
        const markup = this.markup(p.reply_markup);
        const replyTo = this.replyTarget(chatId, p);
        const f = this.inputFile(p.photo, files, "photo", "photo");
        this.checkRate(chatId, p);
        const photo = this.photoSizes(f.data, f);
        return this.newRec(
          chatId,
          true,
          { photo, ...this.captionFields(caption), reply_to_message: replyTo?.msg, reply_markup: BotApiEmulator.inline(markup) },
          { photo: f.file_id, caption: optStr(p.caption, "caption"), parse_mode: optStr(p.parse_mode, "parse_mode") || undefined, reply_markup: markup },
        ).msg;
      },

      sendLocation: (p) => {
        const chatId = this.writableChat(p.chat_id);
        const location = this.location(p);
        const markup = this.markup(p.reply_markup);
        const replyTo = this.replyTarget(chatId, p);
        this.checkRate(chatId, p);
        return this.newRec(chatId, true, { location, reply_to_message: replyTo?.msg, reply_markup: BotApiEmulator.inline(markup) }, { location, reply_markup: markup }).msg;
      },

      sendVenue: (p) => {
        const chatId = this.writableChat(p.chat_id);
        const location = this.location(p);
        const title = optStr(p.title, "title");
        const address = optStr(p.address, "address");
        if (!title) throw bad("venue title is empty");
        if (!address) throw bad("venue address is empty");
        const markup = this.markup(p.reply_markup);
        const replyTo = this.replyTarget(chatId, p);
        this.checkRate(chatId, p);
        const venue = clean({ location, title, address, foursquare_id: optStr(p.foursquare_id, "foursquare_id"), google_place_id: optStr(p.google_place_id, "google_place_id") });
        return this.newRec(
          chatId,
          true,
          { location, venue, reply_to_message: replyTo?.msg, reply_markup: BotApiEmulator.inline(markup) },
          { location, text: `${title}\n${address}`, reply_markup: markup },
        ).msg;
      },

      copyMessage: (p) => {
        const chatId = this.writableChat(p.chat_id);
        const fromChat = this.chatId(p.from_chat_id);
        const src = this.find(fromChat, this.messageId(p.message_id));
        if (!src) throw bad("message to copy not found");
        const markup = this.markup(p.reply_markup);
        const newCaption = this.caption(p.caption, p.parse_mode, p.caption_entities);
        const replyTo = this.replyTarget(chatId, p);
        this.checkRate(chatId, p);
        const { message_id: _m, from: _f, sender_chat: _s, chat: _c, date: _d, edit_date: _e, reply_markup: _r, reply_to_message: _t, ...content } = src.msg as any;
        const hasCaption = src.msg.document || src.msg.photo;
        const fields: Record<string, unknown> = { ...content, reply_to_message: replyTo?.msg, reply_markup: BotApiEmulator.inline(markup) };
        const stored: Partial<StoredMessage> = { ...src.stored, reply_markup: markup };
        if (hasCaption && p.caption !== undefined) {
          Object.assign(fields, { caption: undefined, caption_entities: undefined }, this.captionFields(newCaption));
          Object.assign(stored, { caption: optStr(p.caption, "caption"), parse_mode: optStr(p.parse_mode, "parse_mode") || undefined });
        }
        delete stored.message_id;
        delete stored.chat_id;
        delete stored.date;
        const rec = this.newRec(chatId, true, fields, { ...stored, from_bot: true });
        return { message_id: rec.msg.message_id };
      },

      sendChatAction: (p) => {
        this.writableChat(p.chat_id);
        if (!CHAT_ACTIONS.has(optStr(p.action, "action") ?? "")) throw bad("wrong parameter action in request");
        return true;
      },

      getChat: (p) => {
        const id = this.chatId(p.chat_id);
        return { ...this.chatObject(id), accent_color_id: 0, max_reaction_count: 11, accepted_gift_types: { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false } };
      },

      getFile: (p) => {
        const f = this.files.get(optStr(p.file_id, "file_id") ?? "");
        if (!f) throw bad("invalid file_id");
        return clean({ file_id: f.file_id, file_unique_id: f.file_unique_id, file_size: f.file_size, file_path: f.data ? f.file_path : undefined });
      },

      editMessageText: (p) => {
        const rec = this.editTarget(p);
        if (rec.msg.text === undefined) throw bad("there is no text in the message to edit");
        const parsed = this.text(p.text, p.parse_mode, p.entities);
        const inline = this.editMarkup(p.reply_markup);
        if (rec.msg.text === parsed.text && stableJson(rec.msg.entities ?? []) === stableJson(parsed.entities) && stableJson(rec.msg.reply_markup) === stableJson(inline)) {
          throw notModified();
        }
        Object.assign(rec.msg, { text: parsed.text, entities: parsed.entities.length ? parsed.entities : undefined, reply_markup: inline, edit_date: nowSec() });
        Object.assign(rec.stored, { text: optStr(p.text, "text"), parse_mode: optStr(p.parse_mode, "parse_mode") || undefined, reply_markup: inline });
        return this.edited(rec);
      },

      editMessageCaption: (p) => {
        const rec = this.editTarget(p);
        if (!rec.msg.document && !rec.msg.photo) throw bad("there is no caption in the message to edit");
        const parsed = this.caption(p.caption, p.parse_mode, p.caption_entities) ?? { text: "", entities: [] };
        const inline = this.editMarkup(p.reply_markup);
        if ((rec.msg.caption ?? "") === parsed.text && stableJson(rec.msg.caption_entities ?? []) === stableJson(parsed.entities) && stableJson(rec.msg.reply_markup) === stableJson(inline)) {
          throw notModified();
        }
        Object.assign(rec.msg, { caption: undefined, caption_entities: undefined, ...this.captionFields(parsed), reply_markup: inline, edit_date: nowSec() });
        Object.assign(rec.stored, { caption: optStr(p.caption, "caption"), parse_mode: optStr(p.parse_mode, "parse_mode") || undefined, reply_markup: inline });
        return this.edited(rec);
      },

      editMessageReplyMarkup: (p) => {
        const rec = this.editTarget(p);
        const inline = this.editMarkup(p.reply_markup);
        if (stableJson(rec.msg.reply_markup) === stableJson(inline)) throw notModified();
        Object.assign(rec.msg, { reply_markup: inline, edit_date: nowSec() });
        rec.stored.reply_markup = inline;
        return this.edited(rec);
      },

      deleteMessage: (p) => {
        const chatId = this.chatId(p.chat_id);
        const id = this.messageId(p.message_id);
        const list = this.chats.get(chatId) ?? [];
        const i = list.findIndex((r) => r.msg.message_id === id);
        if (i < 0) throw bad("message to delete not found");
        list.splice(i, 1);
        return true;
      },

      answerCallbackQuery: (p) => {
        const q = this.queries.get(optStr(p.callback_query_id, "callback_query_id") ?? "");
        if (!q || q.answered) throw bad("query is too old and response timeout expired or query ID is invalid");
        if ((optStr(p.text, "text") ?? "").length > 200) throw bad("MESSAGE_TOO_LONG");
        q.answered = true;
        return true;
      },
    };
    // Telegram's method names are case-insensitive.
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
  }

  private captionFields(c: ParsedText | undefined): Record<string, unknown> {
    if (!c || c.text === "") return {};
    return { caption: c.text, caption_entities: c.entities.length ? c.entities : undefined };
  }

  private location(p: Params): { latitude: number; longitude: number } {
    const latitude = optNum(p.latitude, "latitude", false);
    const longitude = optNum(p.longitude, "longitude", false);
    if (latitude === undefined || Math.abs(latitude) > 90) throw bad("wrong latitude specified");
    if (longitude === undefined || Math.abs(longitude) > 180) throw bad("wrong longitude specified");
    return { latitude, longitude };
  }

  private editTarget(p: Params): Rec {
    if (p.inline_message_id !== undefined) throw bad("inline_message_id is not supported by the emulator");
    const chatId = this.chatId(p.chat_id);
    const u = this.users.get(chatId);
    if (u?.deactivated) throw forbidden("user is deactivated");
    if (u?.blocked) throw forbidden("bot was blocked by the user");
    const rec = this.find(chatId, this.messageId(p.message_id));
    if (!rec || !rec.stored.from_bot) throw bad("message to edit not found");
    return rec;
  }

  /** Edits accept only inline keyboards; leaving reply_markup out removes the keyboard, as in Telegram. */
  private editMarkup(v: unknown): any {
    const markup = this.markup(v);
    if (markup !== undefined && !("inline_keyboard" in markup)) throw bad("inline keyboard expected");
    return BotApiEmulator.inline(markup);
  }

  private edited(rec: Rec): Message {
    this.emit("edit", rec.stored);
    return clean({ ...rec.msg }) as Message;
  }
}

const notModified = () =>
  bad("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message");
