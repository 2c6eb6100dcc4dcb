import { describe, expect, it } from "vitest";
import { attendanceView, claimsView, participantsCsv } from "../../src/bot/features/attendance/views";
import { MAX_CALLBACK_BYTES } from "../../src/bot/callback-data";
import type { Attendee } from "../../src/domain/attendance";
import { createI18n } from "../../src/i18n";
import { parseTelegramHtml } from "../support/fake-telegram";

const i18n = createI18n();
const action = { id: 2_147_483_647, title: "Уборка <парка>", startsAt: new Date("2026-03-11T05:00:00Z"), hours: 2.5 };
const people: Attendee[] = Array.from({ length: 20 }, (_, i) => ({
  userId: 9_007_199_254_740_000 + i, // Telegram ids exceed 2^31; the largest safe integers still fit
  name: `${"Ә".repeat(40)} ${i}`,
  checkedIn: i % 3 === 0,
  attendance: i % 3 === 0 ? "attended" : "no_show",
  credited: i === 0,
}));

describe.each(["kk", "ru"] as const)("the attendance and claims screens (%s)", (locale) => {
  it("pages a long attendance list with callback data within Telegram's 64 bytes", async () => {
    const t = (await i18n).t(locale);
    const view = attendanceView(t, locale, action, people, 2);
    const rows = view.keyboard.inline_keyboard;
    const data = rows.flat().map((b) => (b as { callback_data: string }).callback_data);
    expect(data.filter((d) => d.startsWith("ck:t:"))).toEqual(
      people.slice(16, 20).map((p) => `ck:t:${action.id}:${p.userId}:2`),
    );
    expect(data).toContain(`ck:ap:${action.id}:1`);
    expect(data).not.toContain(`ck:ap:${action.id}:3`);
    expect(data).toEqual(expect.arrayContaining([`ck:ok:${action.id}`, `ck:csv:${action.id}`, `oa:o:${action.id}`]));
    for (const d of data) expect(Buffer.byteLength(d)).toBeLessThanOrEqual(MAX_CALLBACK_BYTES);
    expect(parseTelegramHtml(view.text).text).toContain("Уборка <парка>");
    expect(view.text.length).toBeLessThan(4096);
    const first = attendanceView(t, locale, action, people, 0);
    expect(first.keyboard.inline_keyboard[0]![0]!.text.startsWith("✅")).toBe(true);
    expect(first.keyboard.inline_keyboard[1]![0]!.text.startsWith("❌")).toBe(true);
  });

  it("numbers the claims across pages and makes a CSV with a BOM", async () => {
    const t = (await i18n).t(locale);
    const claims = [{ id: 7, userId: 1, volunteer: "A <b>", date: "2026-03-10", hours: 1.5, action: "X", note: null }];
    const view = claimsView(t, locale, claims, 6, 1);
    expect(view.text).toContain("6. <b>A &lt;b&gt;</b>");
    expect(view.keyboard.inline_keyboard.flat().map((b) => (b as { callback_data: string }).callback_data)).toEqual([
      "hq:c:7:1",
      "hq:r:7",
      "hq:p:0",
      "hq:p:1",
      "hq:all",
    ]);
    const csv = participantsCsv(t, locale, [
      { name: "=cmd", username: "u", status: "waitlisted", checkedInAt: null, hours: 0 },
    ]);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.subarray(3).toString("utf8").split("\r\n")[1]).toBe(`'=cmd;u;${t("attendance.status_waitlisted")};;0`);
  });
});
