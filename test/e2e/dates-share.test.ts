import { beforeAll, describe, expect, it } from "vitest";
import { ALMATY_OFFSET_MS, DAY_MS, localMoment } from "../../src/core/time";
import type { DatabaseHandle } from "../../src/db/client";
import { actions, organizations } from "../../src/db/schema";
import { formatDateTime } from "../../src/i18n/format";
import { DESCRIPTION_LIMITS } from "../../src/bot/commands";
import { testDatabases } from "../support/db";
import { onboardUser } from "../support/users";
import { buttonData, buttons, chatWith, localized, plain } from "../support/chat";
import type { BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";

const TITLE = "Сенбілік & «Көк» саябақ";

/** The Almaty calendar date `days` from today, and the moment of a local time on it. */
function localDay(days: number): { year: number; month: number; day: number } {
  const d = new Date(Date.now() + ALMATY_OFFSET_MS + days * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
const at = ({ year, month, day }: { year: number; month: number; day: number }, hh: number, mm: number) =>
  localMoment(year, month, day, hh * 60 + mm);

const EXPECTED = {
  kk: {
    tomorrow: "🗓 Қашан: ертең, 09:30–12:30",
    nextYear: /🗓 Қашан: (\d{4}) ж\. 5 мамыр, [а-яәіңғүұқөһ]+, 09:30–12:30/,
  },
  ru: {
    tomorrow: "🗓 Когда: завтра в 09:30–12:30",
    nextYear: /🗓 Когда: 5 мая (\d{4}), (пн|вт|ср|чт|пт|сб|вс), 09:30–12:30/,
  },
} as const;

describe.each(testDatabases)("dates people read, sharing, help and the bot's description on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  let orgId: number;
  const bot = useBot(kind, {}, (opened) => ({ database, emulator, h } = opened));
  const { last, say, press } = chatWith(() => h);

  beforeAll(async () => {
    const [org] = await database.db
      .insert(organizations)
      .values({ status: "approved", nameKk: "Жасыл ел" })
      .returning();
    orgId = org!.id;
  });

  async function addAction(startsAt: Date): Promise<number> {
    const [row] = await database.db
      .insert(actions)
      .values({
        organizationId: orgId,
        titleKk: TITLE,
        titleRu: TITLE,
        category: "ecology",
        addressKk: "Алматы, Абай даңғылы 1",
        latitude: 43.238,
        longitude: 76.9452,
        capacity: 10,
        hours: 3,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 3 * 3_600_000),
      })
      .returning({ id: actions.id });
    return row!.id;
  }

  it("sets the description and short description for kk, ru and the default, within Telegram's limits", async () => {
    const set = (method: string) =>
      emulator.calls
        .filter((c) => c.method === method && c.ok)
        .map((c): [string, string] => [
          String(c.params.language_code ?? "default"),
          String(c.params[method === "setMyDescription" ? "description" : "short_description"]),
        ]);
    const descriptions = Object.fromEntries(set("setMyDescription"));
    const shorts = Object.fromEntries(set("setMyShortDescription"));
    expect(Object.keys(descriptions).sort()).toEqual(["default", "kk", "ru"]);
    expect(Object.keys(shorts).sort()).toEqual(["default", "kk", "ru"]);
    expect(descriptions.kk).toBe(await localized("kk", "help.bot_description"));
    expect(descriptions.ru).toBe(await localized("ru", "help.bot_description"));
    expect(descriptions.default).toBe(`${descriptions.kk}\n\n${descriptions.ru}`);
    expect(shorts.default).toBe(`${shorts.kk} · ${shorts.ru}`);
    for (const d of Object.values(descriptions)) expect(d.length).toBeLessThanOrEqual(DESCRIPTION_LIMITS.description);
    for (const s of Object.values(shorts)) expect(s.length).toBeLessThanOrEqual(DESCRIPTION_LIMITS.short);

    // A restart finds them already set and does not set them again (Telegram limits profile changes).
    const before = emulator.calls.filter(
      (c) => c.method.startsWith("setMy") && c.method.includes("Description"),
    ).length;
    h = await bot.restart();
    const after = emulator.calls.filter((c) => c.method.startsWith("setMy") && c.method.includes("Description")).length;
    expect(after).toBe(before);
  });

  for (const language of ["kk", "ru"] as const) {
    const expected = EXPECTED[language];

    it(`a card says "tomorrow" with the time range, and Share opens Telegram's share sheet (${language})`, async () => {
      const me = language === "kk" ? 8101 : 8201;
      await onboardUser(database.db, emulator, me, { language });
      const startsAt = at(localDay(1), 9, 30);
      const id = await addAction(startsAt);

      await say(me, `/start a_${id}`);
      const card = last(me);
      expect(plain(card.text)).toContain(expected.tomorrow);

      const share = buttons(card).find((b) => b.url?.startsWith("https://t.me/share/url?"))!;
      expect(share.text).toBe(await localized(language, "actions.btn_share"));
      const url = new URL(share.url!);
      expect(url.searchParams.get("url")).toBe(`https://t.me/erikti_bot?start=a_${id}`);
      // The friend reads it later: the date in words, never "tomorrow".
      const absolute = formatDateTime(startsAt, language, new Date(), { relative: false });
      expect(url.searchParams.get("text")).toBe(`${TITLE}, ${absolute}`);
      expect(absolute).not.toMatch(/ертең|завтра|бүгін|сегодня/);
      expect(share.url).toBe(
        `https://t.me/share/url?url=${encodeURIComponent(`https://t.me/erikti_bot?start=a_${id}`)}&text=${encodeURIComponent(`${TITLE}, ${absolute}`)}`,
      );

      // My actions: the same words.
      await press(me, `a:j:${id}:n`);
      await say(me, "/my");
      expect(plain(last(me).text)).toContain(`${TITLE} — ${language === "kk" ? "ертең, 09:30" : "завтра в 09:30"}`);
    });

    it(`a card in another year shows the year, and no weekday abbreviation in Kazakh (${language})`, async () => {
      const me = language === "kk" ? 8102 : 8202;
      await onboardUser(database.db, emulator, me, { language });
      const nextYear = localDay(0).year + 1;
      const id = await addAction(at({ year: nextYear, month: 5, day: 5 }, 9, 30));
      await say(me, `/start a_${id}`);
      const match = expected.nextYear.exec(plain(last(me).text));
      expect(match?.[1]).toBe(String(nextYear));
    });

    it(`/help explains the bot and has buttons to its main parts (${language})`, async () => {
      const me = language === "kk" ? 8103 : 8203;
      await onboardUser(database.db, emulator, me, { language });
      await say(me, "/help");
      expect(last(me).text).toBe(await localized(language, "help.text"));
      expect(buttonData(last(me))).toEqual(["m:nearby", "m:mine", "m:hours", "m:marathons", "m:settings", "m:home"]);
      // From the main menu's Help button: the same screen, edited in place.
      await say(me, "/menu");
      const menu = last(me).message_id;
      await press(me, "m:help");
      expect(last(me).message_id).toBe(menu);
      expect(last(me).text).toBe(await localized(language, "help.text"));
      await press(me, "m:nearby");
      expect(plain(last(me).text)).toContain(await localized(language, "actions.ask_location").then(plain));
    });
  }
});
