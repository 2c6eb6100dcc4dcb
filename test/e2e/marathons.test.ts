import { eq } from "drizzle-orm";
import type { Message, Update } from "grammy/types";
import { beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client";
import { marathonDeeds, marathonParticipants, marathons } from "../../src/db/schema";
import { joinMarathon, reportDeed } from "../../src/domain/marathons";
import { completeOnboarding, touchUser, withdrawConsent } from "../../src/domain/users";
import { testDatabases } from "../support/db";
import { buttonData, chatWith } from "../support/chat";
import type { BotApiEmulator } from "../support/fake-telegram";
import { type Harness, useBot } from "../support/harness";

const DAY = 86_400_000;
const TRICKY_NAME = '<b>Ayan & "Co"</b>';

describe.each(testDatabases)("marathons end to end on $name", (kind) => {
  let database: DatabaseHandle;
  let emulator: BotApiEmulator;
  let h: Harness;
  let national: number;
  let almaty: number;
  let astana: number;

  useBot(kind, {}, (bot) => ({ database, emulator, h } = bot));
  const { last, say, press, toast } = chatWith(() => h);

  beforeAll(async () => {
    const now = Date.now();
    const rows = await database.db
      .insert(marathons)
      .values([
        {
          code: "good-deeds",
          titleKk: "Игі істер марафоны",
          titleRu: "Марафон добрых дел",
          descriptionKk: "Күн сайын жақсылық жасаңыз <3 & бөлісіңіз",
          descriptionRu: "Делайте добро каждый день <3 & делитесь",
          startsAt: new Date(now - DAY),
          endsAt: new Date(now + 30 * DAY),
        },
        {
          code: "almaty",
          titleKk: "Жасыл Алматы",
          titleRu: "Зелёный Алматы",
          regionCode: "almaty",
          startsAt: new Date(now - DAY),
          endsAt: new Date(now + DAY),
        },
        {
          code: "astana",
          titleKk: "Қарлы Астана",
          titleRu: "Снежная Астана",
          regionCode: "astana",
          startsAt: new Date(now - DAY),
          endsAt: new Date(now + DAY),
        },
      ])
      .returning({ id: marathons.id, code: marathons.code });
    [national, almaty, astana] = rows.map((r) => r.id) as [number, number, number];

    // Others on the board: a name that would break HTML, and one who withdrew consent (shown anonymously).
    for (const [id, name, region, deeds] of [
      [8101, TRICKY_NAME, "shymkent", 3],
      [8102, "Ерлан", "almaty", 1],
    ] as const) {
      await volunteer(id, "ru", true, name, region);
      await joinMarathon(database.db, national, id);
      for (let i = 0; i < deeds; i++)
        await reportDeed(database.db, { marathonId: national, userId: id, text: `Дело ${i}` });
    }
    await withdrawConsent(database.db, 8102, new Set());
  });

  async function volunteer(
    id: number,
    language: "kk" | "ru",
    consent: boolean,
    firstName: string,
    regionCode = "almaty",
  ) {
    emulator.addUser({ id, first_name: firstName, language_code: language });
    await touchUser(database.db, id, false);
    await completeOnboarding(database.db, id, { language, regionCode, interests: [], consent, profile: { firstName } });
  }
  const buttons = (id: number): string[] => buttonData(last(id));
  const largestPhoto = (update: Update) =>
    (update.message as Message).photo!.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a)).file_id;
  const deedsOf = (userId: number) =>
    database.db.select().from(marathonDeeds).where(eq(marathonDeeds.userId, userId)).orderBy(marathonDeeds.id);

  for (const [language, texts] of [
    [
      "kk",
      {
        list: "Марафондар",
        title: "Игі істер марафоны",
        regional: "Жасыл Алматы",
        notJoined: "әлі қатыспайсыз",
        joined: "марафонға қосылдыңыз",
        prompt: "Қандай игі іс",
        photoNeedsText: "Фото қабылданды",
        tooLong: "Мәтін тым ұзын: 1001",
        hoursPrompt: "Қанша сағат",
        hoursNote: "/hours бөлімінде ұйымды көрсетіп",
        notCounted: "Бүгін 3 игі іс есептеліп қойды",
        leaderLine: "— игі істер: 3",
        leaveConfirm: "Марафоннан шығасыз ба?",
        left: "марафоннан шықтыңыз",
        notJoinedToast: "қатыспайсыз",
        noRegions: "өңірлер рейтингі жоқ",
        confirm: "Тексеріңіз",
        saved: "Игі ісіңіз сақталды",
        firstBadge: "Алғашқы қадам",
        photoPrompt: "Фото қосасыз ба",
        progress: ["Игі істер: 2", "Алғашқы қадам"],
        progress3: "Игі істер: 3",
        anonymous: "Ерікті №",
        you: "сіз",
        regionName: "Алматы",
        unavailable: "қолжетімсіз",
        cancelled: "Тоқтатылды",
        discarded: "ештеңе сақталмады",
      },
    ],
    [
      "ru",
      {
        list: "Марафоны",
        title: "Марафон добрых дел",
        regional: "Зелёный Алматы",
        notJoined: "пока не участвуете",
        joined: "присоединились к марафону",
        prompt: "какое доброе дело",
        photoNeedsText: "Фото принято",
        tooLong: "слишком длинный: 1001",
        hoursPrompt: "Сколько часов",
        hoursNote: "внесите их в /hours с указанием организации",
        notCounted: "Сегодня уже засчитано 3 добрых дела",
        leaderLine: "— добрых дел: 3",
        leaveConfirm: "Выйти из марафона?",
        left: "вышли из марафона",
        notJoinedToast: "не участвуете",
        noRegions: "нет рейтинга регионов",
        confirm: "Проверьте",
        saved: "Доброе дело сохранено",
        firstBadge: "Первый шаг",
        photoPrompt: "Добавите фото",
        progress: ["Добрых дел: 2", "Первый шаг"],
        progress3: "Добрых дел: 3",
        anonymous: "Волонтёр №",
        you: "вы",
        regionName: "Алматы",
        unavailable: "недоступен",
        cancelled: "Отменено",
        discarded: "ничего не сохранено",
      },
    ],
  ] as const) {
    it(`joins, reports deeds with and without a photo, shows progress, leaderboard and regions (${language})`, async () => {
      const id = language === "kk" ? 8001 : 8002;
      const name = language === "kk" ? "Айгерім <i>&</i>" : "Дана & <Ko>";
      await volunteer(id, language, true, name);

      await say(id, "/marathons");
      expect(last(id).text).toContain(texts.list);
      const listed = last(id)
        .reply_markup.inline_keyboard.flat()
        .map((b: { text: string }) => b.text);
      expect(listed).toEqual([texts.title, texts.regional, expect.any(String)]); // national first; no Astana; back

      await press(id, `mr:o:${national}`);
      expect(last(id).text).toContain(texts.title);
      expect(last(id).text).toContain("&lt;3 &amp;"); // the description is escaped
      expect(last(id).text).toContain(texts.notJoined);
      expect(toast(await press(id, `mr:j:${national}`))).toContain(texts.joined);
      expect(buttons(id)).toContain(`mr:d:${national}`);

      // Deed 1: a photo without a caption, then a text too long, then the text; no hours asked.
      await press(id, `mr:d:${national}`);
      expect(last(id).text).toContain(texts.prompt);
      const photo = await h.send(() => emulator.sendPhoto(id));
      expect(last(id).text).toContain(texts.photoNeedsText);
      await say(id, "x".repeat(1001));
      expect(last(id).text).toContain(texts.tooLong);
      await say(id, "Қарттарға азық-түлік <жеткіздім> & көмектестім");
      expect(last(id).text).toContain(texts.confirm);
      expect(last(id).text).not.toContain(texts.hoursPrompt);
      expect(last(id).text).toContain("&lt;жеткіздім&gt; &amp; көмектестім");
      await press(id, "mrd:save");
      expect(last(id).text).toContain(texts.saved);
      expect(last(id).text).toContain(texts.firstBadge);
      expect(last(id).text).toContain(texts.hoursNote);
      const [first] = await deedsOf(id);
      expect(first).toMatchObject({
        marathonId: national,
        text: "Қарттарға азық-түлік <жеткіздім> & көмектестім",
        hours: 0,
      });
      expect(first!.photoFileId).toBe(largestPhoto(photo));

      // Deed 2: in Russian a photo whose caption is the text; in Kazakh text, then "no photo".
      await press(id, `mr:d:${national}`);
      if (language === "ru") {
        const captioned = await h.send(() => emulator.sendPhoto(id, "Убрали двор"));
        expect(last(id).text).toContain(texts.confirm);
        await press(id, "mrd:save");
        expect((await deedsOf(id))[1]).toMatchObject({
          text: "Убрали двор",
          photoFileId: largestPhoto(captioned),
          hours: 0,
        });
      } else {
        await say(id, "Ағаш отырғыздым");
        expect(last(id).text).toContain(texts.photoPrompt);
        await press(id, "mrd:nophoto");
        expect(last(id).text).toContain(texts.confirm);
        await press(id, "mrd:save");
        expect((await deedsOf(id))[1]).toMatchObject({ text: "Ағаш отырғыздым", photoFileId: null, hours: 0 });
      }
      expect(last(id).text).toContain(texts.saved);
      expect(last(id).text).not.toContain(texts.firstBadge);

      await press(id, `mr:o:${national}`);
      await press(id, `mr:p:${national}`);
      for (const part of texts.progress) expect(last(id).text).toContain(part);
      expect(last(id).text).not.toContain(texts.hoursPrompt);

      // Deeds 3 and 4 the same day: the third counts, the fourth is kept but not counted (and the user is told).
      for (const n of [3, 4]) {
        await press(id, `mr:d:${national}`);
        await say(id, `Дело ${n}`);
        await press(id, "mrd:nophoto");
        await press(id, "mrd:save");
        if (n === 3) expect(last(id).text).toContain(texts.saved);
        else expect(last(id).text).toContain(texts.notCounted);
      }
      expect(await deedsOf(id)).toHaveLength(4);
      await press(id, `mr:p:${national}`);
      expect(last(id).text).toContain(texts.progress3);

      await press(id, `mr:o:${national}`);
      await press(id, `mr:l:${national}`);
      const board = last(id).text!;
      expect(board).toContain(`&lt;b&gt;Ayan &amp; &quot;Co&quot;&lt;/b&gt; ${texts.leaderLine}`);
      expect(board).toContain(texts.anonymous);
      expect(board).toContain(texts.you);
      expect(board).not.toContain("Ерлан");

      await press(id, `mr:o:${national}`);
      await press(id, `mr:r:${national}`);
      expect(last(id).text).toContain(texts.regionName);
      expect(last(id).text).toContain("Шымкент");

      // Leaving asks first; the deeds stay, the volunteer leaves the leaderboard, and may rejoin.
      await press(id, `mr:o:${national}`);
      await press(id, `mr:lv:${national}`);
      expect(last(id).text).toContain(texts.leaveConfirm);
      expect(buttons(id)).toEqual([`mr:lx:${national}`, `mr:o:${national}`]);
      expect(await database.db.$count(marathonParticipants, eq(marathonParticipants.userId, id))).toBe(1);
      expect(toast(await press(id, `mr:lx:${national}`))).toContain(texts.left);
      expect(last(id).text).toContain(texts.notJoined);
      expect(buttons(id)).toContain(`mr:j:${national}`);
      expect(buttons(id)).not.toContain(`mr:lv:${national}`);
      expect(await database.db.$count(marathonParticipants, eq(marathonParticipants.userId, id))).toBe(0);
      expect(toast(await press(id, `mr:lx:${national}`))).toContain(texts.notJoinedToast);
      expect(toast(await press(id, `mr:lv:${national}`))).toContain(texts.notJoinedToast);
      await press(id, `mr:l:${national}`);
      expect(last(id).text).not.toContain(texts.you);
      await press(id, `mr:o:${national}`);
      expect(toast(await press(id, `mr:j:${national}`))).toContain(texts.joined);
      await press(id, `mr:p:${national}`);
      expect(last(id).text).toContain(texts.progress3);
      expect(buttons(id)).toContain(`mr:lv:${national}`);
      expect(await deedsOf(id)).toHaveLength(4);
    });

    it(`refuses without consent, stale or foreign ids, and lets /cancel leave a report (${language})`, async () => {
      const id = language === "kk" ? 8003 : 8004;
      await volunteer(id, language, false, "Без согласия");
      await say(id, "/menu");
      await press(id, "m:marathons");
      expect(last(id).text).toContain(texts.list);
      expect(buttons(id)).toEqual([`mr:o:${national}`, "m:home"]); // no region without consent: national only
      await press(id, `mr:o:${national}`);
      const refused = await press(id, `mr:j:${national}`);
      expect(toast(refused)).toContain(language === "kk" ? "келісім қажет" : "нужно согласие");
      for (const data of [`mr:o:${astana}`, "mr:o:999999", "mr:o:1.5", "mr:l:abc", `mr:d:${almaty}`]) {
        expect(toast(await press(id, data)), data).toContain(texts.unavailable);
      }

      const member = language === "kk" ? 8005 : 8006;
      await volunteer(member, language, true, "Асель");
      await say(member, "/marathons");
      await press(member, `mr:o:${almaty}`);
      await press(member, `mr:j:${almaty}`);
      // A regional marathon has no ranking of regions: no button, and a forged one is refused politely.
      expect(buttons(member)).not.toContain(`mr:r:${almaty}`);
      const before = last(member);
      expect(toast(await press(member, `mr:r:${almaty}`))).toContain(texts.noRegions);
      expect(last(member)).toEqual(before);
      // Leaving someone else's marathon by a forged button: refused, nothing changes.
      expect(toast(await press(id, `mr:lx:${almaty}`))).toContain(texts.unavailable);
      expect(toast(await press(member, `mr:lx:${national}`))).toContain(texts.notJoinedToast);
      expect(await database.db.$count(marathonParticipants, eq(marathonParticipants.userId, member))).toBe(1);

      // A photo at the photo step, then discarded: nothing is stored.
      await press(member, `mr:d:${almaty}`);
      await say(member, "Кітап сыйладым");
      await h.send(() => emulator.sendPhoto(member));
      expect(last(member).text).toContain(texts.confirm);
      await press(member, "mrd:drop");
      expect(last(member).text).toContain(texts.discarded);

      await press(member, `mr:d:${almaty}`);
      await say(member, "/cancel"); // (any other command leaves too: conversations.test.ts)
      expect(last(member).text).toContain(texts.cancelled);
      await say(member, "/marathons");
      expect(last(member).text).toContain(texts.list);
      expect(await deedsOf(member)).toEqual([]);
    });
  }
});
