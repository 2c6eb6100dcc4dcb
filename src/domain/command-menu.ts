import { sql } from "drizzle-orm";
import { type Executor, rowsOf } from "../db/client";
import { enqueue } from "../db/outbox";

/**
 * The command menu (the "/" list beside the input field). Everyone gets the public one (set for every chat at start);
 * staff get their own in their private chat (scope `chat`, in their language): the public commands and those of
 * their roles. Nobody sees commands they may not use, and a coordinator finds /stats without reading the README.
 */
export const PUBLIC_COMMANDS = [
  "start",
  "menu",
  "actions",
  "my",
  "marathons",
  "hours",
  "verify",
  "organize",
  "club",
  "settings",
  "language",
  "help",
  "cancel",
  "mydata",
  "deleteme",
] as const;

export const STAFF_ROLES = ["organizer", "coordinator", "admin"] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

const ROLE_COMMANDS = {
  organizer: ["org", "newaction", "broadcast", "channels", "checkin", "claims"],
  coordinator: ["stats", "announce", "callout", "newclub"],
  admin: ["stats", "announce", "callout", "newclub", "appoint", "coordinators"],
} as const satisfies Record<StaffRole, readonly string[]>;

export type MenuCommand = (typeof PUBLIC_COMMANDS)[number] | (typeof ROLE_COMMANDS)[StaffRole][number];

/** The commands of a staff menu: the public ones, with the roles' own before the settings. */
export function staffCommands(roles: readonly StaffRole[]): MenuCommand[] {
  const own = [...new Set(STAFF_ROLES.filter((r) => roles.includes(r)).flatMap((r) => ROLE_COMMANDS[r]))];
  const at = PUBLIC_COMMANDS.indexOf("settings");
  return [...PUBLIC_COMMANDS.slice(0, at), ...own, ...PUBLIC_COMMANDS.slice(at)];
}

/** What users.command_menu holds for a menu: "organizer,coordinator:ru". */
export function menuSignature(roles: readonly StaffRole[], locale: "kk" | "ru"): string {
  return `${roles.join(",")}:${locale}`;
}

/**
 * Menus per run (every 20 s): at most one a second in the urgent lane, so a call-out launched meanwhile waits behind
 * a few rows at most; a first deploy with many staff is caught up over minutes.
 */
const MENUS_PER_RUN = 20;

/**
 * The scheduler's job: for each person whose roles (or language) changed since their menu was last set, an outbox row
 * that sets their chat's menu (kind 'commands'; urgent, since it is not a message and quiet hours do not apply to it,
 * and few a run, so it never holds a call-out up), or puts the
 * public one back when they are no longer staff. The new signature is stored in the same transaction, so each change
 * is sent once; delivery sets the menu from what the row says, whatever happened in between.
 */
export function commandMenuJob(adminIds: ReadonlySet<number>) {
  const admins = `{${[...adminIds].join(",")}}`;
  return async (db: Executor, now: Date): Promise<number> => {
    const rows = rowsOf<{ id: number | string; roles: string; locale: "kk" | "ru"; menu: string | null }>(
      await db.execute(sql`
        with ids as (
          select id from users where command_menu is not null
          union select unnest(${admins}::bigint[])
          union select user_id from coordinators
          union select user_id from organization_members),
        candidates as (
          select u.id, coalesce(u.language, 'kk') as locale, u.command_menu as menu,
            concat_ws(',',
              case when exists (select 1 from organization_members m join organizations o on o.id = m.organization_id
                where m.user_id = u.id and o.status = 'approved') then 'organizer' end,
              case when exists (select 1 from coordinators c where c.user_id = u.id) then 'coordinator' end,
              case when u.id = any(${admins}::bigint[]) then 'admin' end) as roles
          from users u join ids on ids.id = u.id
          where u.blocked_at is null)
        select id, roles, locale, menu from candidates
        where (case when roles = '' then null else roles || ':' || locale end) is distinct from menu
        order by id
        limit ${MENUS_PER_RUN}`),
    );
    let added = 0;
    for (const row of rows) {
      const id = Number(row.id);
      const roles = STAFF_ROLES.filter((r) => row.roles.split(",").includes(r));
      const signature = roles.length > 0 ? menuSignature(roles, row.locale) : null;
      await db.execute(sql`update users set command_menu = ${signature} where id = ${id}`);
      added += await enqueue(db, {
        chatId: id,
        idempotencyKey: `menu:${id}:${now.getTime()}`,
        priority: "urgent",
        content: { commandMenu: { commands: roles.length > 0 ? staffCommands(roles) : [], locale: row.locale } },
      });
    }
    return added;
  };
}
