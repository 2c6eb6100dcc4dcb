/**
 * Text formatting the way Telegram parses it: HTML, MarkdownV2 and legacy Markdown parse modes.
 * A text Telegram could not parse is an ApiError with Telegram's "can't parse entities" description.
 */
import type { MessageEntity } from "grammy/types";
import { bad, type ParsedText } from "./types";

const utf8Offset = (s: string, i: number) => Buffer.byteLength(s.slice(0, i), "utf8");

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
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  span: "spoiler",
  "tg-spoiler": "spoiler",
  a: "text_link",
  code: "code",
  pre: "pre",
  blockquote: "blockquote",
  "tg-emoji": "custom_emoji",
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
    if (name === "a" && !attrs.get("href"))
      throw err(`Tag "a" must have a non-empty "href" attribute at byte offset ${at(i)}`);
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
  "*": "bold",
  _: "italic",
  __: "underline",
  "~": "strikethrough",
  "||": "spoiler",
  "`": "code",
  "```": "pre",
};
const MD_NAMES: Record<string, string> = {
  "*": "Bold",
  _: "Italic",
  __: "Underline",
  "~": "Strikethrough",
  "||": "Spoiler",
  "`": "Code",
  "```": "Pre",
  "[": "TextUrl",
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
  const err = (pos: number) =>
    bad(`can't parse entities: Can't find end of the entity starting at byte offset ${utf8Offset(s, pos)}`);
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
