import { Api, Bot, GrammyError, InputFile } from "grammy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BotApiEmulator, parseMarkdownV2, parseTelegramHtml, validateReplyMarkup } from "../support/fake-telegram";

const AYAN = 1001;
let emu: BotApiEmulator;
let api: Api;

beforeEach(async () => {
  emu = await BotApiEmulator.start();
  api = new Api(emu.token, { apiRoot: emu.apiRoot });
  emu.addUser({ id: AYAN, first_name: "Ayan", language_code: "kk" });
});
afterEach(async () => {
  await emu.close();
});

/** Expects a grammY call to fail with this Telegram error. */
async function rejects(p: Promise<unknown>, error_code: number, description: string | RegExp) {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(GrammyError);
  const g = e as GrammyError;
  expect(g.error_code).toBe(error_code);
  if (typeof description === "string") expect(g.description).toBe(description);
  else expect(g.description).toMatch(description);
  return g;
}

const keyboard = (data: string) => ({ inline_keyboard: [[{ text: "Иә", callback_data: data }]] });

describe("parseTelegramHtml", () => {
  it("accepts allowed tags and the four named entities", () => {
    expect(parseTelegramHtml("<b>Ayan &amp; &quot;Co&quot;</b>")).toEqual({
      text: 'Ayan & "Co"',
      entities: [{ type: "bold", offset: 0, length: 11 }],
    });
    const r = parseTelegramHtml(
      '<b>x <i>y</i></b> <a href="https://t.me/x?a=1&amp;b=2">link</a> <span class="tg-spoiler">s</span> ' +
        '<tg-spoiler>t</tg-spoiler> <blockquote expandable>q</blockquote> <pre><code class="language-ts">c</code></pre> ' +
        "1 &gt; 0 &lt; 2 &#128512; &#x41; 3 > 2",
    );
    expect(r.text).toBe("x y link s t q c 1 > 0 < 2 😀 A 3 > 2");
    expect(r.entities.map((e) => e.type)).toEqual([
      "bold",
      "italic",
      "text_link",
      "spoiler",
      "spoiler",
      "expandable_blockquote",
      "pre",
    ]);
    expect(r.entities.find((e) => e.type === "text_link")).toMatchObject({ url: "https://t.me/x?a=1&b=2" });
    expect(r.entities.find((e) => e.type === "pre")).toMatchObject({ language: "ts", length: 1 });
  });

  it.each([
    ["<b>Ayan & Co</b>", /^Bad Request: can't parse entities: Unescaped "&" at byte offset 8/],
    [
      "<script>alert(1)</script>",
      'Bad Request: can\'t parse entities: Unsupported start tag "script" at byte offset 0',
    ],
    ["<b>unclosed", "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""],
    [
      "<b><i>x</b></i>",
      'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
    ],
    ["x</b>", "Bad Request: can't parse entities: Unexpected end tag at byte offset 1"],
    ["a < b", 'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2'],
    ["Сәлем <br>", 'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 11'],
    ["<span>x</span>", /must have class "tg-spoiler"/],
    ["<a>x</a>", /Tag "a" must have a non-empty "href"/],
    ["&nbsp;", /Unescaped "&"/],
    ['<a href="https://x.kz/?a=1&b=2">x</a>', /Unescaped "&" at byte offset 26/],
    ["<b", /Unclosed start tag at byte offset 0/],
  ])("rejects %s", (html, message) => {
    expect(() => parseTelegramHtml(html)).toThrow(message);
  });

  it("handles MarkdownV2's reserved characters", () => {
    expect(parseMarkdownV2("*Сәлем*, Ayan\\!").text).toBe("Сәлем, Ayan!");
    expect(() => parseMarkdownV2("Сәлем, Ayan!")).toThrow("Character '!' is reserved");
    expect(() => parseMarkdownV2("*bold")).toThrow("Can't find end of Bold entity at byte offset 0");
  });
});

describe("validateReplyMarkup", () => {
  it("counts callback_data in UTF-8 bytes", () => {
    expect(validateReplyMarkup(keyboard("Ж".repeat(32)))).toBeUndefined();
    expect(validateReplyMarkup(keyboard("Ж".repeat(33)))).toBe("Bad Request: BUTTON_DATA_INVALID");
    expect(validateReplyMarkup(keyboard(""))).toBe("Bad Request: BUTTON_DATA_INVALID");
  });

  it("checks button types, urls and sizes", () => {
    const one = (b: object) => validateReplyMarkup({ inline_keyboard: [[{ text: "x", ...b }]] });
    expect(one({})).toBe("Bad Request: BUTTON_TYPE_INVALID");
    expect(one({ url: "https://t.me/x", callback_data: "a" })).toBe("Bad Request: BUTTON_TYPE_INVALID");
    expect(one({ url: "javascript:alert(1)" })).toBe("Bad Request: BUTTON_URL_INVALID");
    expect(one({ url: "tg://resolve?domain=erikti_bot" })).toBeUndefined();
    expect(validateReplyMarkup({ inline_keyboard: [[{ text: "", callback_data: "a" }]] })).toBe(
      "Bad Request: BUTTON_TEXT_INVALID",
    );
    const row = (n: number) => Array.from({ length: n }, (_, i) => ({ text: `${i}`, callback_data: `${i}` }));
    expect(validateReplyMarkup({ inline_keyboard: [row(9)] })).toBe("Bad Request: too many inline keyboard buttons");
    expect(validateReplyMarkup({ inline_keyboard: Array.from({ length: 13 }, () => row(8)) })).toBe(
      "Bad Request: REPLY_MARKUP_TOO_LONG",
    );
    expect(validateReplyMarkup({ inline_keyboard: [] })).toBeUndefined();
    expect(validateReplyMarkup({ inline_keyboard: [{ text: "x", callback_data: "a" }] })).toMatch(/Array of Arrays/);
  });

  it("accepts reply keyboards and rejects unknown objects", () => {
    expect(
      validateReplyMarkup({ keyboard: [["Иә", { text: "📍", request_location: true }]], resize_keyboard: true }),
    ).toBeUndefined();
    expect(validateReplyMarkup({ remove_keyboard: true })).toBeUndefined();
    expect(validateReplyMarkup({ force_reply: true })).toBeUndefined();
    expect(validateReplyMarkup({ keyboard: [[""]] })).toMatch(/Text must be non-empty/);
    expect(validateReplyMarkup({ buttons: [] })).toBe("Bad Request: can't parse reply keyboard markup JSON object");
    expect(validateReplyMarkup("{not json")).toBe("Bad Request: can't parse reply keyboard markup JSON object");
  });
});

describe("sending messages", () => {
  it("counts the length after entity parsing", async () => {
    const ok = await api.sendMessage(AYAN, "&amp;".repeat(4096), { parse_mode: "HTML" });
    expect(ok.text).toBe("&".repeat(4096));
    expect(emu.lastBotMessage(AYAN)).toMatchObject({ text: "&amp;".repeat(4096), parse_mode: "HTML", from_bot: true });
    await rejects(
      api.sendMessage(AYAN, "&amp;".repeat(4097), { parse_mode: "HTML" }),
      400,
      "Bad Request: message is too long",
    );
    await rejects(api.sendMessage(AYAN, "a".repeat(4097)), 400, "Bad Request: message is too long");
    await rejects(api.sendMessage(AYAN, "<b> </b>", { parse_mode: "HTML" }), 400, "Bad Request: message text is empty");
    await rejects(
      api.sendMessage(AYAN, "<b>Ayan & Co</b>", { parse_mode: "HTML" }),
      400,
      /^Bad Request: can't parse entities/,
    );
    await rejects(
      api.sendMessage(AYAN, "x", { parse_mode: "XML" as "HTML" }),
      400,
      "Bad Request: unsupported parse_mode",
    );
    // Without a parse mode the text is literal.
    expect((await api.sendMessage(AYAN, "a < b & c")).text).toBe("a < b & c");
  });

  it("returns realistic messages and keeps the chat history", async () => {
    emu.sendText(AYAN, "/start");
    const m1 = await api.sendMessage(AYAN, "<b>Сәлем</b>", { parse_mode: "HTML", reply_markup: keyboard("a:j:1") });
    const m2 = await api.sendMessage(String(AYAN), "Екінші", { reply_parameters: { message_id: m1.message_id } });
    expect(m1).toMatchObject({
      message_id: 2,
      chat: { id: AYAN, type: "private", first_name: "Ayan" },
      from: { id: emu.botInfo.id, is_bot: true, username: "erikti_bot" },
      text: "Сәлем",
      entities: [{ type: "bold", offset: 0, length: 5 }],
      reply_markup: keyboard("a:j:1"),
    });
    expect(m2.message_id).toBe(3);
    expect(m2.reply_to_message?.message_id).toBe(m1.message_id);
    expect(emu.messages(AYAN).map((m) => m.from_bot)).toEqual([false, true, true]);
    expect(emu.callsTo(AYAN).map((c) => c.method)).toEqual(["sendMessage", "sendMessage"]);
    await rejects(
      api.sendMessage(AYAN, "x", { reply_parameters: { message_id: 999 } }),
      400,
      "Bad Request: message to be replied not found",
    );
    await rejects(
      api.sendMessage(AYAN, "x", { reply_markup: keyboard("Ж".repeat(33)) }),
      400,
      "Bad Request: BUTTON_DATA_INVALID",
    );
    await rejects(
      api.sendMessage(AYAN, "x", { reply_markup: { foo: 1 } as never }),
      400,
      "Bad Request: can't parse reply keyboard markup JSON object",
    );
    expect(emu.failed()).toHaveLength(3);
  });

  it("answers 403 for users who can't be written to, 400 for unknown chats", async () => {
    emu.addUser({ id: 2, first_name: "Never", started: false });
    emu.addUser({ id: 3, first_name: "Blocker" });
    emu.addUser({ id: 4, first_name: "Gone" });
    emu.blockBot(3);
    emu.deactivate(4);
    await rejects(api.sendMessage(2, "hi"), 403, "Forbidden: bot can't initiate conversation with a user");
    await rejects(api.sendMessage(3, "hi"), 403, "Forbidden: bot was blocked by the user");
    await rejects(api.sendMessage(4, "hi"), 403, "Forbidden: user is deactivated");
    await rejects(api.sendChatAction(3, "typing"), 403, "Forbidden: bot was blocked by the user");
    await rejects(api.sendMessage(99, "hi"), 400, "Bad Request: chat not found");
    emu.sendText(2, "/start"); // pressing Start opens the chat
    emu.unblockBot(3);
    await api.sendMessage(2, "hi");
    await api.sendMessage(3, "hi");
    emu.addChat({ id: -100123, type: "supergroup", title: "Volunteers" });
    expect((await api.sendMessage(-100123, "hi")).chat).toEqual({
      id: -100123,
      type: "supergroup",
      title: "Volunteers",
    });
  });

  it("sends documents as multipart, by file_id and by URL", async () => {
    const sent = await api.sendDocument(AYAN, new InputFile(Buffer.from("a,b\n"), "x.csv"), {
      caption: "<b>Есеп</b>",
      parse_mode: "HTML",
      reply_markup: keyboard("r:1"),
    });
    expect(sent.document).toMatchObject({ file_name: "x.csv", mime_type: "text/csv", file_size: 4 });
    expect(sent.caption).toBe("Есеп");
    const stored = emu.lastBotMessage(AYAN)!;
    expect(stored.document?.data?.toString()).toBe("a,b\n");
    expect(stored.reply_markup).toEqual(keyboard("r:1")); // JSON field of a multipart body is decoded
    const call = emu.calls.at(-1)!;
    expect(call.params.chat_id).toBe(String(AYAN));

    const again = await api.sendDocument(AYAN, sent.document!.file_id);
    expect(again.document?.file_id).toBe(sent.document!.file_id);
    await api.sendDocument(AYAN, "https://example.kz/report.pdf");
    expect(emu.lastBotMessage(AYAN)?.document?.file_name).toBe("report.pdf");
    await rejects(
      api.sendDocument(AYAN, "not-a-file-id"),
      400,
      "Bad Request: wrong file identifier/HTTP URL specified",
    );
    await rejects(
      api.sendDocument(AYAN, new InputFile(Buffer.from("x"), "y.txt"), { caption: "c".repeat(1025) }),
      400,
      "Bad Request: message caption is too long",
    );

    const file = await api.getFile(sent.document!.file_id);
    const res = await fetch(`${emu.apiRoot}/file/bot${emu.token}/${file.file_path}`);
    expect(await res.text()).toBe("a,b\n");
  });

  it("sends locations, venues, photos and copies", async () => {
    const loc = await api.sendLocation(AYAN, 43.2389, 76.8897);
    expect(loc.location).toEqual({ latitude: 43.2389, longitude: 76.8897 });
    await rejects(api.sendLocation(AYAN, 91, 0), 400, /latitude/);
    const venue = await api.sendVenue(AYAN, 43.2, 76.9, "Парк", "Алматы");
    expect(venue.venue?.title).toBe("Парк");
    const photo = await api.sendPhoto(AYAN, new InputFile(Buffer.from([1, 2, 3]), "p.jpg"), { caption: "Фото" });
    expect(photo.photo?.length).toBeGreaterThan(1);
    const copy = await api.copyMessage(AYAN, AYAN, photo.message_id, { caption: "Көшірме" });
    expect(emu.lastBotMessage(AYAN)).toMatchObject({
      message_id: copy.message_id,
      caption: "Көшірме",
      photo: photo.photo!.at(-1)!.file_id,
    });
    await rejects(api.copyMessage(AYAN, AYAN, 999), 400, "Bad Request: message to copy not found");
  });
});

describe("editing, deleting and callback queries", () => {
  it("rejects edits that change nothing", async () => {
    const m = await api.sendMessage(AYAN, "Hi", { reply_markup: keyboard("a") });
    await rejects(
      api.editMessageText(AYAN, m.message_id, "Hi", { reply_markup: keyboard("a") }),
      400,
      /^Bad Request: message is not modified/,
    );
    await rejects(
      api.editMessageReplyMarkup(AYAN, m.message_id, { reply_markup: keyboard("a") }),
      400,
      /message is not modified/,
    );
    // Same text, but bold now: modified.
    const bold = await api.editMessageText(AYAN, m.message_id, "<b>Hi</b>", {
      parse_mode: "HTML",
      reply_markup: keyboard("a"),
    });
    expect(bold).toMatchObject({ text: "Hi", entities: [{ type: "bold" }] });
    // Leaving reply_markup out removes the keyboard, which is a change too.
    await api.editMessageText(AYAN, m.message_id, "<b>Hi</b>", { parse_mode: "HTML" });
    expect(emu.lastBotMessage(AYAN)).toMatchObject({ text: "<b>Hi</b>", parse_mode: "HTML" });
    expect(emu.lastBotMessage(AYAN)?.reply_markup).toBeUndefined();

    await rejects(api.editMessageText(AYAN, 999, "x"), 400, "Bad Request: message to edit not found");
    const user = emu.sendText(AYAN, "hello");
    await rejects(
      api.editMessageText(AYAN, user.message!.message_id, "x"),
      400,
      "Bad Request: message to edit not found",
    );
    await rejects(api.editMessageText(AYAN, m.message_id, ""), 400, "Bad Request: message text is empty");

    await api.deleteMessage(AYAN, m.message_id);
    expect(emu.botMessages(AYAN)).toHaveLength(0);
    await rejects(api.deleteMessage(AYAN, m.message_id), 400, "Bad Request: message to delete not found");
  });

  it("lets a callback query be answered once", async () => {
    const m = await api.sendMessage(AYAN, "Join?", { reply_markup: keyboard("a:j:1") });
    const { callback_query } = emu.pressButton(AYAN, m.message_id, "a:j:1");
    expect(callback_query).toMatchObject({ data: "a:j:1", from: { id: AYAN }, message: { message_id: m.message_id } });
    const id = callback_query!.id;
    await rejects(api.answerCallbackQuery(id, { text: "x".repeat(201) }), 400, "Bad Request: MESSAGE_TOO_LONG");
    await api.answerCallbackQuery(id, { text: "Қабылданды" });
    const tooOld = "Bad Request: query is too old and response timeout expired or query ID is invalid";
    await rejects(api.answerCallbackQuery(id), 400, tooOld);
    await rejects(api.answerCallbackQuery("12345"), 400, tooOld);
    expect(() => emu.pressButton(AYAN, 999, "x")).toThrow(/no bot message 999/);
  });
});

describe("long polling", () => {
  it("holds getUpdates until an update arrives", async () => {
    const started = Date.now();
    const poll = api.getUpdates({ timeout: 10 });
    await emu.waitForCall(() => false, 30).catch(() => undefined); // let the poll reach the server
    expect(emu.calls).toHaveLength(0); // still held
    emu.sendText(AYAN, "/start ref_42");
    const updates = await poll;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.message).toMatchObject({
      text: "/start ref_42",
      entities: [{ type: "bot_command", offset: 0, length: 6 }],
      chat: { id: AYAN, type: "private" },
      from: { id: AYAN, first_name: "Ayan", language_code: "kk", is_bot: false },
    });
    expect(await api.getUpdates({ timeout: 0, offset: updates[0]!.update_id + 1 })).toEqual([]);
  });

  it("keeps updates until an offset confirms them", async () => {
    const u1 = emu.sendText(AYAN, "1");
    emu.sendLocation(AYAN, 43.2, 76.9);
    const u3 = emu.sendPhoto(AYAN, "фото");
    expect(emu.pendingUpdates()).toBe(3);
    expect((await api.getUpdates({ limit: 2 })).map((u) => u.update_id)).toEqual([u1.update_id, u1.update_id + 1]);
    expect(await api.getUpdates()).toHaveLength(3);
    expect(await api.getUpdates({ offset: u3.update_id })).toEqual([u3]);
    expect(emu.pendingUpdates()).toBe(1);
    expect(await api.getUpdates({ offset: u3.update_id + 1 })).toEqual([]);
    expect(emu.pendingUpdates()).toBe(0);
  });

  it("loses nothing when the client aborts a poll, and answers [] on close", async () => {
    const ac = new AbortController();
    const aborted = fetch(`${emu.apiRoot}/bot${emu.token}/getUpdates?timeout=10`, { signal: ac.signal }).catch(
      () => "aborted",
    );
    while (emu.pendingPolls() === 0) await new Promise((r) => setTimeout(r, 5)); // the server holds the poll
    ac.abort();
    expect(await aborted).toBe("aborted");
    await emu.waitForCall((c) => c.method === "getUpdates" && c.aborted === true);
    const u = emu.sendText(AYAN, "after abort");
    expect(await api.getUpdates({ timeout: 5 })).toEqual([u]);

    const pending = api.getUpdates({ offset: u.update_id + 1, timeout: 10 });
    await new Promise((r) => setTimeout(r, 30));
    await emu.close();
    expect(await pending).toEqual([]);
  });

  it("terminates an older concurrent poll with 409", async () => {
    const first = api.getUpdates({ timeout: 5 });
    await new Promise((r) => setTimeout(r, 20));
    const second = api.getUpdates({ timeout: 5 });
    await rejects(first, 409, /^Conflict: terminated by other getUpdates request/);
    const u = emu.sendText(AYAN, "x");
    expect(await second).toEqual([u]);
  });

  it("runs a real grammY bot end to end", async () => {
    const bot = new Bot(emu.token, { client: { apiRoot: emu.apiRoot } });
    bot.command("start", (ctx) =>
      ctx.reply(`Сәлем, <b>${ctx.from!.first_name}</b>! ${ctx.match}`, {
        parse_mode: "HTML",
        reply_markup: keyboard("yes"),
      }),
    );
    bot.on("callback_query:data", async (ctx) => {
      await ctx.answerCallbackQuery({ text: "OK" });
      await ctx.editMessageText("Дайын");
    });
    const running = bot.start({ timeout: 10 });
    const after = emu.lastSeq();
    emu.sendText(AYAN, "/start ref_7");
    await emu.waitForCall((c) => c.method === "sendMessage", { afterSeq: after });
    const msg = emu.lastBotMessage(AYAN)!;
    expect(msg).toMatchObject({ text: "Сәлем, <b>Ayan</b>! ref_7", parse_mode: "HTML", reply_markup: keyboard("yes") });
    emu.pressButton(AYAN, msg.message_id, "yes");
    await emu.waitForCall((c) => c.method === "editMessageText");
    expect(emu.lastBotMessage(AYAN)?.text).toBe("Дайын");
    await bot.stop();
    await running;
    expect(emu.failed()).toEqual([]);
    expect(emu.pendingUpdates()).toBe(0);
    expect(emu.calls.map((c) => c.method)).toContain("deleteWebhook");
  });
});

describe("bot settings", () => {
  it("validates and stores commands per language and scope", async () => {
    await rejects(api.setMyCommands([{ command: "Start", description: "x" }]), 400, "Bad Request: BOT_COMMAND_INVALID");
    await rejects(
      api.setMyCommands([{ command: "a".repeat(33), description: "x" }]),
      400,
      "Bad Request: BOT_COMMAND_INVALID",
    );
    await rejects(
      api.setMyCommands([{ command: "start", description: "" }]),
      400,
      "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID",
    );
    await rejects(
      api.setMyCommands([{ command: "start", description: "d".repeat(257) }]),
      400,
      "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID",
    );
    const kk = [
      { command: "start", description: "Бастау" },
      { command: "my_actions", description: "Менің акцияларым" },
    ];
    await api.setMyCommands(kk, { language_code: "kk", scope: { type: "all_private_chats" } });
    expect(await api.getMyCommands({ language_code: "kk", scope: { type: "all_private_chats" } })).toEqual(kk);
    expect(await api.getMyCommands()).toEqual([]);
    expect(emu.myCommands("kk", { type: "all_private_chats" })).toEqual(kk);
    await api.deleteMyCommands({ language_code: "kk", scope: { type: "all_private_chats" } });
    expect(emu.myCommands("kk", { type: "all_private_chats" })).toEqual([]);
  });

  it("validates webhooks and the other settings", async () => {
    await rejects(api.setWebhook("https://erikti.kz/tg", { secret_token: "bad token!" }), 400, /secret token/);
    await rejects(api.setWebhook("http://erikti.kz/tg"), 400, /HTTPS URL/);
    await api.setWebhook("https://erikti.kz/tg", { secret_token: "s3cr3t_-" });
    expect((await api.getWebhookInfo()).url).toBe("https://erikti.kz/tg");
    await rejects(api.getUpdates(), 409, /webhook is active/);
    await api.deleteWebhook();
    expect(await api.getUpdates()).toEqual([]);
    await api.setChatMenuButton({ menu_button: { type: "commands" } });
    await api.setMyDescription("Еріктілер боты", { language_code: "kk" });
    await api.setMyShortDescription("Волонтёры", { language_code: "ru" });
    expect((await api.getMe()).username).toBe("erikti_bot");
    expect(await api.getChat(AYAN)).toMatchObject({ id: AYAN, type: "private", first_name: "Ayan" });
  });
});

describe("HTTP level", () => {
  it("answers 401 for a wrong token and 404 for an unknown method", async () => {
    await rejects(new Api("999:WRONG", { apiRoot: emu.apiRoot }).getMe(), 401, "Unauthorized");
    const res = await fetch(`${emu.apiRoot}/bot${emu.token}/sendTelepathy`, { method: "POST" });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ ok: false, error_code: 404, description: "Not Found" });
  });

  it("survives malformed bodies and accepts urlencoded forms", async () => {
    const url = `${emu.apiRoot}/bot${emu.token}/sendMessage`;
    const broken = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{oops" });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ ok: false, error_code: 400 });
    const badMultipart = await fetch(url, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=zzz" },
      body: "garbage",
    });
    expect(badMultipart.status).toBe(400);
    const form = new URLSearchParams({
      chat_id: String(AYAN),
      text: "[1,2]",
      reply_markup: JSON.stringify(keyboard("f")),
    });
    const ok = await fetch(url, { method: "POST", body: form });
    expect(await ok.json()).toMatchObject({ ok: true, result: { text: "[1,2]", reply_markup: keyboard("f") } });
    expect((await api.getMe()).is_bot).toBe(true);
  });

  it("explains a waitForCall timeout", async () => {
    await api.getMe();
    await expect(emu.waitForCall((c) => c.method === "sendMessage", 20)).rejects.toThrow(
      /no matching call.*\n.*#1 getMe/,
    );
  });
});

describe("rate limiting", () => {
  it("answers 429 with retry_after when enabled", async () => {
    const limited = await BotApiEmulator.start({ rateLimit: { globalPerSecond: 3, perChatPerSecond: 1 } });
    const groups = await BotApiEmulator.start({ rateLimit: { perGroupPerMinute: 2 } });
    try {
      const lapi = new Api(limited.token, { apiRoot: limited.apiRoot });
      for (const id of [1, 2, 3, 4]) limited.addUser({ id, first_name: `U${id}` });
      await lapi.sendMessage(1, "a");
      const perChat = await rejects(lapi.sendMessage(1, "b"), 429, "Too Many Requests: retry after 1");
      expect(perChat.parameters.retry_after).toBe(1);
      await lapi.sendMessage(2, "a");
      await lapi.sendMessage(3, "a");
      await rejects(lapi.sendMessage(4, "a"), 429, /^Too Many Requests: retry after [1-9]\d*$/); // global
      await lapi.sendMessage(4, "a", { allow_paid_broadcast: true }); // paid broadcasts get 1000/s
      await lapi.sendChatAction(1, "typing"); // not a message: not limited
      expect(limited.failed().map((c) => c.error?.error_code)).toEqual([429, 429]);

      const gapi = new Api(groups.token, { apiRoot: groups.apiRoot });
      groups.addChat({ id: -100, type: "group", title: "G" });
      await gapi.sendMessage(-100, "1");
      await gapi.sendMessage(-100, "2");
      const group = await rejects(gapi.sendMessage(-100, "3"), 429, /^Too Many Requests: retry after/);
      expect(group.parameters.retry_after).toBeGreaterThan(50);
      expect(group.parameters.retry_after).toBeLessThanOrEqual(60);
    } finally {
      await limited.close();
      await groups.close();
    }
  });

  it("is off by default", async () => {
    for (let i = 0; i < 40; i++) await api.sendMessage(AYAN, `m${i}`);
    expect(emu.failed()).toEqual([]);
  });
});
