import { and, eq, like, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, rowsOf } from "../../src/db/client";
import { COLUMN_DECISIONS, OWNER_COLUMNS } from "../../src/db/personal-data";
import { anonymousHours, outbox, participations, volunteerBooks } from "../../src/db/schema";
import { deleteAccount, exportPersonalData, hourTotals } from "../../src/domain/privacy";
import { findUser, touchUser, withdrawConsent } from "../../src/domain/users";
import { findVolunteerBook, issueVolunteerBook } from "../../src/domain/volunteer-book";
import { testDatabases } from "../support/db";
import { addCoordinator, fillPersonalData } from "../support/privacy-fixtures";

interface Column {
  table: string;
  column: string;
  array: boolean;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function textColumns(database: DatabaseHandle): Promise<Column[]> {
  const rows = rowsOf<{ table_name: string; column_name: string; data_type: string }>(
    await database.db.execute(sql`
      select table_name, column_name, data_type from information_schema.columns
      where table_schema = 'public'
        and (data_type in ('text', 'character varying', 'character', 'json', 'jsonb')
             or (data_type = 'ARRAY' and udt_name in ('_text', '_varchar', '_json', '_jsonb')))
      order by table_name, ordinal_position`),
  );
  return rows.map((r) => ({ table: r.table_name, column: r.column_name, array: r.data_type === "ARRAY" }));
}

async function count(database: DatabaseHandle, query: string): Promise<number> {
  const [row] = rowsOf<{ n: unknown }>(await database.db.execute(sql.raw(query)));
  return Number(row!.n);
}

/** Rows of the person whose column holds something (not null, not an empty array). */
function filledByOwner(c: Column, id: number): string {
  const owner = OWNER_COLUMNS[c.table];
  const filled = c.array ? `cardinality(${q(c.column)}) > 0` : `${q(c.column)} is not null`;
  return `select count(*) as n from ${q(c.table)} where ${q(owner!)}::text = '${id}' and ${filled}`;
}

/** Rows anywhere in the table whose column mentions the marker. */
function mentioning(c: Column, marker: string): string {
  return `select count(*) as n from ${q(c.table)} where ${q(c.column)}::text like '%${marker}%'`;
}

describe.each(testDatabases)(
  "privacy: every text and JSON column has a decision, and erasure is complete, on $name",
  (kind) => {
    let database: DatabaseHandle;
    let columns: Column[];
    let organizationId: number;
    const coordinator = 9_300_000_001;
    beforeAll(async () => {
      database = await kind.open();
      columns = await textColumns(database);
      organizationId = await addCoordinator(database.db, coordinator);
    });
    afterAll(() => database.close());

    it("has a privacy decision for every text, varchar, json and text[] column, and none for a column that is gone", () => {
      const names = columns.map((c) => `${c.table}.${c.column}`);
      const undecided = names.filter((n) => !(n in COLUMN_DECISIONS));
      expect(
        undecided,
        `columns without a privacy decision (add them to COLUMN_DECISIONS in src/db/personal-data.ts): ${undecided.join(", ")}`,
      ).toEqual([]);
      const stale = Object.keys(COLUMN_DECISIONS).filter((n) => !names.includes(n));
      expect(stale, `decisions for columns that no longer exist: ${stale.join(", ")}`).toEqual([]);
      for (const [name, decision] of Object.entries(COLUMN_DECISIONS)) {
        expect(decision.why.length, `${name} needs a reason`).toBeGreaterThan(3);
        const table = name.split(".")[0]!;
        if (decision.kind !== "notPersonal")
          expect(OWNER_COLUMNS[table], `OWNER_COLUMNS needs the owner column of ${table}`).toBeDefined();
      }
    });

    it("withdrawing consent erases every personal column and leaves the account", async () => {
      const id = 9_300_000_011;
      const marker = "PIIw7q";
      const { bookCode } = await fillPersonalData(database.db, {
        id,
        marker,
        language: "kk",
        coordinator,
        organizationId,
      });
      // The export holds what a conversation in progress keeps and the notices about the person in other chats.
      const exported = JSON.stringify(await exportPersonalData(database.db, id));
      for (const typed of [`${marker} typed`, `${marker} will come to the meeting`]) expect(exported).toContain(typed);
      const personal = columns.filter((c) => COLUMN_DECISIONS[`${c.table}.${c.column}`]?.kind === "personal");
      const kept = columns.filter((c) => COLUMN_DECISIONS[`${c.table}.${c.column}`]?.kind === "account");
      for (const c of [...personal, ...kept]) {
        expect(
          await count(database, filledByOwner(c, id)),
          `the fixture does not fill ${c.table}.${c.column}: extend test/support/privacy-fixtures.ts`,
        ).toBeGreaterThan(0);
      }

      await withdrawConsent(database.db, id, new Set());

      for (const c of personal)
        expect(await count(database, filledByOwner(c, id)), `${c.table}.${c.column} kept after withdrawal`).toBe(0);
      // Nowhere else either (a revoked book has no owner any more): only what the account keeps may mention it.
      for (const c of columns.filter((c) => !kept.includes(c))) {
        expect(await count(database, mentioning(c, marker)), `${c.table}.${c.column} still mentions the person`).toBe(
          0,
        );
      }
      // Messages kept for the chat stay (their keys keep jobs from sending twice), but not what the person typed:
      // the organization named in the hours decision is now neutral words.
      const outboxOfChat = mentioning({ table: "outbox", column: "payload" } as Column, `${marker} Org`);
      expect(await count(database, `${outboxOfChat} and chat_id = ${id}`)).toBe(0);
      const decisions = await database.db
        .select()
        .from(outbox)
        .where(and(eq(outbox.chatId, id), like(outbox.idempotencyKey, "hours-decided:%")));
      expect(decisions.map((d) => (d.payload as { params: { what: unknown } }).params.what)).toContainEqual({
        $t: "common.typed_erased",
      });
      const user = await findUser(database.db, id);
      expect(user).toMatchObject({ language: "kk", firstName: null, consentAt: null, interests: [], latitude: null });
      expect(user!.onboardedAt).not.toBeNull();
      const book = await findVolunteerBook(database.db, bookCode);
      expect(book).toMatchObject({ code: bookCode, userId: null, holderName: null, entriesHash: null });
      expect(book!.revokedAt).toBeInstanceOf(Date);
      // The records stay, without text: hours count, deeds count.
      const data = await exportPersonalData(database.db, id);
      expect(data!.hours.map((h) => [h.status, h.note, h.organization])).toEqual([
        ["confirmed", null, null],
        ["confirmed", null, null],
        ["rejected", null, null],
      ]);
      expect(data!.marathonDeeds).toMatchObject([{ text: null, photoFileId: null, hours: 0 }]);
      expect(data!.conversation.inProgress).toBe(false);
    });

    it("deleting the account removes every row of the person, keeps anonymous hour totals and promotes the waitlist", async () => {
      const id = 9_300_000_021;
      const waiting = 9_300_000_022;
      const marker = "PIId3x";
      await touchUser(database.db, waiting, false);
      const { fullActionId, bookCode } = await fillPersonalData(database.db, {
        id,
        marker,
        language: "ru",
        coordinator,
        organizationId,
        waiting,
      });
      const totalsBefore = await database.db.select().from(anonymousHours);
      const statisticsBefore = await hourTotals(database.db);
      expect(statisticsBefore.reduce((sum, t) => sum + t.entries, 0)).toBeGreaterThan(1);

      const result = await deleteAccount(database.db, id, new Set());
      expect(result).toEqual({ promoted: [waiting], staffMenu: true }); // the fixture person is an organizer;
      // The statistics do not move: the person's hours now count among the anonymous totals.
      expect(await hourTotals(database.db)).toEqual(statisticsBefore);

      for (const [table, owner] of Object.entries(OWNER_COLUMNS)) {
        expect(
          await count(database, `select count(*) as n from ${q(table)} where ${q(owner)}::text = '${id}'`),
          `${table} keeps a row`,
        ).toBe(0);
      }
      // Every foreign key to users: no row points at the person any more.
      const references = rowsOf<{ table_name: string; column_name: string }>(
        await database.db.execute(sql`
        select kcu.table_name, kcu.column_name
        from information_schema.referential_constraints rc
        join information_schema.key_column_usage kcu on kcu.constraint_name = rc.constraint_name and kcu.constraint_schema = rc.constraint_schema
        join information_schema.constraint_column_usage ccu on ccu.constraint_name = rc.unique_constraint_name and ccu.constraint_schema = rc.unique_constraint_schema
        where ccu.table_name = 'users' and ccu.column_name = 'id'`),
      );
      expect(references.length).toBeGreaterThan(5);
      for (const r of references) {
        expect(
          await count(database, `select count(*) as n from ${q(r.table_name)} where ${q(r.column_name)} = ${id}`),
          `${r.table_name}.${r.column_name}`,
        ).toBe(0);
      }
      for (const c of columns)
        expect(await count(database, mentioning(c, marker)), `${c.table}.${c.column} still mentions the person`).toBe(
          0,
        );

      // Hours live on as totals only: 3 h attended (ecology) + 2 h self-reported (education), region almaty.
      const totals = await database.db.select().from(anonymousHours);
      const added = totals.map((t) => {
        const before = totalsBefore.find(
          (b) => b.month === t.month && b.regionCode === t.regionCode && b.category === t.category,
        );
        return { ...t, hours: t.hours - (before?.hours ?? 0), entries: t.entries - (before?.entries ?? 0) };
      });
      expect(
        added
          .filter((t) => t.entries > 0)
          .map((t) => [t.regionCode, t.category, t.hours, t.entries])
          .sort(),
      ).toEqual([
        ["almaty", "ecology", 3, 1],
        ["almaty", "education", 2, 1],
      ]);
      expect(await findVolunteerBook(database.db, bookCode)).toMatchObject({ userId: null, holderName: null });

      // The waitlisted person got the spot and a notice in the outbox.
      const [promoted] = await database.db.select().from(participations).where(eq(participations.userId, waiting));
      expect(promoted).toMatchObject({ actionId: fullActionId, status: "joined" });
      const notices = await database.db.select().from(outbox).where(eq(outbox.chatId, waiting));
      expect(notices.map((n) => (n.payload as { template?: string }).template)).toEqual(["actions.promoted_notice"]);

      // A new /start is a new user.
      expect(await findUser(database.db, id)).toBeUndefined();
      const fresh = await touchUser(database.db, id, false);
      expect(fresh).toMatchObject({ id, onboardedAt: null, consentAt: null, firstName: null });
      expect(await deleteAccount(database.db, 9_300_000_099, new Set())).toBeUndefined();
    });

    it("reuses a volunteer book for the same period and entries, and issues a new one when they change", async () => {
      const id = 9_300_000_031;
      const { bookCode } = await fillPersonalData(database.db, {
        id,
        marker: "PIIb00",
        language: "kk",
        coordinator,
        organizationId,
      });
      const again = await issueVolunteerBook(database.db, id, "all");
      expect(again).toMatchObject({ status: "issued", reused: true, book: { code: bookCode } });
      const year = await issueVolunteerBook(database.db, id, "year");
      expect(year.status === "issued" && year.book.code).not.toBe(bookCode);
      expect(await issueVolunteerBook(database.db, id, "year")).toMatchObject({
        reused: true,
        book: { code: year.status === "issued" ? year.book.code : "" },
      });
      const books = () => database.db.select().from(volunteerBooks).where(eq(volunteerBooks.userId, id));
      expect(await books()).toHaveLength(2);

      // One more confirmed entry: a new book and code for the same period.
      await fillMore(id);
      const changed = await issueVolunteerBook(database.db, id, "all");
      expect(changed).toMatchObject({ status: "issued", reused: false });
      expect(changed.status === "issued" && changed.book.code).not.toBe(bookCode);
      expect(await books()).toHaveLength(3);
    });

    async function fillMore(id: number) {
      const { reportHours, decideHours, localDay } = await import("../../src/domain/hours");
      const entry = await reportHours(database.db, {
        userId: id,
        organizationName: "Қайырымдылық",
        date: localDay(new Date()),
        hours: 1,
      });
      await decideHours(database.db, entry.id, coordinator, "confirmed");
    }
  },
);
