import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { clubMeetings, clubMembers, clubs, users } from "../../src/db/schema";
import type { LocaleKey } from "../../src/i18n";
import { buttonData, chatWith, localized, plain } from "../support/chat";
import { testDatabases } from "../support/db";
import type { BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";
import { onboardUser } from "../support/users";

const HOUR = 3_600_000;

/** Issue 9: in senior mode every entry point a senior meets shows the senior screen and keeps the four big buttons. */
describe.each(testDatabases)("senior mode entry points on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  useBot(kind, {}, (live) => ({ database, emulator, h } = live));
  const { last, say, press } = chatWith(() => h);
  const db = () => database.db;
  const text = (language: "kk" | "ru", key: LocaleKey, params?: Record<string, unknown>) =>
    localized(language, key, params);
  const replyKeyboard = (chatId: number) => {
    const markup = last(chatId).reply_markup as { keyboard?: Array<Array<{ text: string }>> } | undefined;
    return markup?.keyboard?.flat().map((b) => b.text);
  };
  const seniorButtons = async (language: "kk" | "ru") =>
    Promise.all(
      (["senior_btn_next", "senior_btn_come", "senior_btn_call", "senior_btn_language"] as const).map((k) =>
        text(language, `clubs.${k}`),
      ),
    );

  for (const language of ["kk", "ru"] as const) {
    const base = language === "kk" ? 8_610_001_000 : 8_610_002_000;
    const [senior, lonely] = [base + 1, base + 2];

    it(`/start, /menu, /help, the language switch and /cancel keep the senior screen (${language})`, async () => {
      await onboardUser(db(), emulator, senior, { language, firstName: "Әже" });
      await onboardUser(db(), emulator, lonely, { language, firstName: "Ата" });
      await db().update(users).set({ seniorMode: true }).where(eq(users.id, senior));
      await db().update(users).set({ seniorMode: true }).where(eq(users.id, lonely));
      const [club] = await db()
        .insert(clubs)
        .values({ nameKk: "Күміс жас", nameRu: "Серебряный возраст", regionCode: "almaty", address: "Абай к-сі 10" })
        .returning();
      const local = new Date(Date.now() + 3 * HOUR + 5 * HOUR);
      await db()
        .insert(clubMeetings)
        .values({
          clubId: club!.id,
          weekday: local.getUTCDay() || 7,
          startMinute: local.getUTCHours() * 60 + local.getUTCMinutes(),
        });
      await db().insert(clubMembers).values({ clubId: club!.id, userId: senior });
      const name = language === "kk" ? "Күміс жас" : "Серебряный возраст";

      for (const command of ["/start", "/menu"]) {
        await say(senior, command);
        const screen = plain(last(senior).text);
        expect(screen).toContain(name);
        expect(screen).toContain("Абай к-сі 10");
        expect(screen).toContain(plain(await text(language, "clubs.senior_leave_hint")));
        expect(screen).not.toContain(plain(await text(language, "menu.title")));
        expect(buttonData(last(senior))).toEqual([]); // no inline menu
        expect(replyKeyboard(senior)).toEqual(await seniorButtons(language));
      }
      // Someone in senior mode without a club: the same screen says so.
      await say(lonely, "/menu");
      expect(plain(last(lonely).text)).toContain(plain(await text(language, "clubs.senior_no_club")));
      expect(replyKeyboard(lonely)).toEqual(await seniorButtons(language));

      await say(senior, "/help");
      expect(last(senior).text).toBe(await text(language, "help.senior"));
      expect(buttonData(last(senior))).toEqual([]);
      expect(replyKeyboard(senior)).toEqual(await seniorButtons(language));

      await say(senior, "/cancel");
      expect(replyKeyboard(senior)).toEqual(await seniorButtons(language));

      // /language: the answer redraws the four buttons in the new language.
      const other = language === "kk" ? "ru" : "kk";
      await say(senior, "/language");
      await press(senior, `lang:${other}`);
      expect(plain(last(senior).text)).toContain(other === "kk" ? "Күміс жас" : "Серебряный возраст");
      expect(replyKeyboard(senior)).toEqual(await seniorButtons(other));

      // The language chosen in /settings: the buttons follow it too.
      await say(senior, "/settings");
      await press(senior, "s:lang");
      await press(senior, `s:lg:${language}`);
      expect(last(senior).text).toBe(await text(language, "clubs.senior_language"));
      expect(replyKeyboard(senior)).toEqual(await seniorButtons(language));

      // Senior mode off: /start and /menu are the main menu again.
      await db().update(users).set({ seniorMode: false }).where(eq(users.id, senior));
      await say(senior, "/menu");
      expect(last(senior).text).toBe(await text(language, "menu.title"));
    });
  }
});
