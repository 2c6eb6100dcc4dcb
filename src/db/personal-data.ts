/**
 * A privacy decision for every text, varchar, json/jsonb and text[] column of the schema. test/db/privacy.test.ts
 * walks information_schema on the migrated database: a column without a decision here fails it, naming the column.
 *
 * - personal: about a person, kept only with consent; erased (null, empty, or the row removed) when consent is
 *   withdrawn and when the account is deleted. src/domain/users.ts erasePersonalData does it.
 * - account: what running the account needs, also without consent (a language, a status, a message waiting for the
 *   chat); removed with the account (src/domain/privacy.ts deleteAccount).
 * - notPersonal: about no one (a region, an action, a marathon…), with the reason.
 *
 * Adding a column: add one line "table.column": personal | account(why) | notPersonal(why), and for a personal or
 * account column in a new table, the column that names its owner in OWNER_COLUMNS.
 */
export type DataClass = "personal" | "account" | "notPersonal";

export interface ColumnDecision {
  kind: DataClass;
  why: string;
}

const personal = (why: string): ColumnDecision => ({ kind: "personal", why });
const account = (why: string): ColumnDecision => ({ kind: "account", why });
const notPersonal = (why: string): ColumnDecision => ({ kind: "notPersonal", why });

export const COLUMN_DECISIONS: Readonly<Record<string, ColumnDecision>> = {
  "users.first_name": personal("Telegram profile, kept with consent"),
  "users.last_name": personal("Telegram profile, kept with consent"),
  "users.username": personal("Telegram profile, kept with consent"),
  "users.full_name": personal("the name as in the person's ID, typed for the volunteer book"),
  "users.region_code": personal("where the person lives"),
  "users.interests": personal("what the person cares about"),
  "users.language": account("the language to answer in, kept without consent (README)"),
  "users.role": account("what the account may do"),
  "users.command_menu": account("which staff commands the person's chat menu shows, and in which language"),
  "users.alert_mode": account("how the person wants to hear of new actions"),

  "browse_states.category": account("a search filter (a category code); the row goes with the account"),
  "browse_states.categories": account("search filters (category codes); the row goes with the account"),
  "browse_states.awaiting_location_for": account("which question the bot asked ('search' or 'save')"),
  "browse_states.period": account("a search filter (a period code); the row goes with the account"),

  "conversation_states.key": personal("the private chat id (= the user id); the row is deleted"),
  "conversation_states.state": personal("what the person typed in a flow; the row is deleted"),

  "participations.status": account("joined / waitlisted / left; rows go with the account"),
  "participations.left_from": account("joined / waitlisted before leaving, for Undo; rows go with the account"),
  "participations.attendance": account("set by the organizer; rows go with the account"),

  "hour_entries.organization_name": personal("free-form text typed by the person"),
  "hour_entries.note": personal("free-form text typed by the person"),
  "hour_entries.source": account("attendance or self-report; rows go with the account (totals stay anonymous)"),
  "hour_entries.category": account("a category code; rows go with the account (totals stay anonymous)"),
  "hour_entries.reject_reason": account("an organizer's reason for rejecting a claim; rows go with the account"),
  "hour_entries.status": account("pending / confirmed / rejected; rows go with the account"),
  "hour_entries.idempotency_key": account(
    "a random id of the conversation step that wrote the row; rows go with the account",
  ),

  "marathon_deeds.text": personal("free-form text typed by the person"),
  "marathon_deeds.photo_file_id": personal("the person's photo on Telegram's servers"),
  "marathon_deeds.idempotency_key": account(
    "a random id of the conversation step that wrote the row; rows go with the account",
  ),

  "volunteer_books.holder_name": personal("the holder's name as printed; erased when the book is revoked"),
  "volunteer_books.entries_hash": personal("fingerprint of the person's entries; erased when the book is revoked"),
  "volunteer_books.printed_entries": personal("the holder's entries as printed; erased when the book is revoked"),
  "volunteer_books.code": notPersonal("a random code; once revoked it leads to no one"),

  "outbox.payload": account("a message for the person's chat; rows to the chat go with the account"),
  "outbox.idempotency_key": account("names the recipient; rows to the chat go with the account"),
  "outbox.kind": account("message / document / copy; rows to the chat go with the account"),
  "outbox.state": account("delivery state; rows to the chat go with the account"),
  "outbox.last_error": account("Telegram's answer for the chat; rows to the chat go with the account"),
  "reply_rates.instance": notPersonal("a bot process's id and its reply rate; about no one"),
  "outbox.batch": account("the broadcast a row belongs to; rows to the chat go with the account"),

  "anonymous_hours.month": notPersonal("aggregate key of deleted accounts' hours"),
  "anonymous_hours.region_code": notPersonal("aggregate key of deleted accounts' hours"),
  "anonymous_hours.category": notPersonal("aggregate key of deleted accounts' hours"),

  "actions.title_kk": notPersonal("published by an organization"),
  "actions.title_ru": notPersonal("published by an organization"),
  "actions.description_kk": notPersonal("published by an organization"),
  "actions.description_ru": notPersonal("published by an organization"),
  "actions.cancel_reason": notPersonal("an organization's public reason for cancelling"),
  "actions.checkin_token": notPersonal("the secret of an action's check-in code"),
  "actions.category": notPersonal("published by an organization"),
  "actions.region_code": notPersonal("published by an organization"),
  "actions.address_kk": notPersonal("a public meeting place"),
  "actions.address_ru": notPersonal("a public meeting place"),
  "actions.status": notPersonal("the action's state"),
  "organizations.name_kk": notPersonal("an NGO, university or akimat department"),
  "organizations.name_ru": notPersonal("an NGO, university or akimat department"),
  "organizations.kind": notPersonal("an organization's type"),
  "organizations.description": notPersonal("what an organization does, published"),
  "organizations.bin": notPersonal("an organization's public business number"),
  "organizations.status": notPersonal("an application's state"),
  "organizations.reject_reason": notPersonal("a coordinator's reason about an organization"),
  "organizations.invite_token": notPersonal("the secret of an organization's invite link"),
  "organizations.phone": personal(
    "the applicant's own phone, shared as the organization's contact; erased with the applicant's consent",
  ),
  "organization_members.role": account("owner / organizer of an organization; rows go with the account"),
  "coordinators.region_code": account("the region a coordinator serves; rows go with the account"),
  "coordinator_invites.token": notPersonal("the secret of an admin's one-time coordinator invite link"),
  "coordinator_invites.region_code": notPersonal("the region a coordinator invite is for"),
  "linked_chats.kind": notPersonal("an organization's channel or group"),
  "linked_chats.title": notPersonal("an organization's channel or group"),
  "linked_chats.username": notPersonal("an organization's channel or group"),
  "channel_posts.shown_hash": notPersonal("fingerprint of a channel post's text"),
  "broadcasts.audience": notPersonal(
    "who an organization's broadcast is for (ids of actions, months), or a front office's announcement (region, interests)",
  ),
  "broadcasts.text": notPersonal("an organization's message to its volunteers"),
  "broadcasts.photo_file_id": notPersonal("an organization's photo"),
  "broadcasts.status": notPersonal("a broadcast's state"),
  "organizations.region_code": notPersonal("an organization's region"),
  "clubs.name_kk": notPersonal("a longevity club"),
  "clubs.name_ru": notPersonal("a longevity club"),
  "clubs.invite_token": notPersonal("the secret of a club's join link"),
  "clubs.join_code": notPersonal("a club's join code, printed on its wall"),
  "club_meeting_exceptions.reason": notPersonal("why a club's meeting date was cancelled"),
  "club_coordinators.phone": personal(
    "the club coordinator's own phone, shared by them (the request_contact button) for members to call; never the one a front office sent; erased when they say no, are removed, the club is deleted, or consent is withdrawn",
  ),
  "club_answers.answer": account("a member's 'I'll come' / 'I can't' for a meeting; rows go with the account"),
  "clubs.region_code": notPersonal("a club's region"),
  "clubs.address": notPersonal("a club's public address"),
  "club_meetings.place": notPersonal("a club's public meeting place"),
  "marathons.code": notPersonal("a marathon"),
  "marathons.title_kk": notPersonal("a marathon"),
  "marathons.title_ru": notPersonal("a marathon"),
  "marathons.description_kk": notPersonal("a marathon"),
  "marathons.description_ru": notPersonal("a marathon"),
  "marathons.region_code": notPersonal("a marathon's region"),
  "emergency_profiles.skills": personal("what the person can do in an emergency; the row is deleted"),
  "emergency_profiles.phone": personal("the person's own phone, shared for call-outs; the row is deleted"),
  "callout_answers.answer": account("coming / can't to a call-out; rows go with the account"),
  "callouts.region_code": notPersonal("the region a call-out went to"),
  "callouts.skills": notPersonal("the skills a call-out asked for"),
  "callouts.text": notPersonal("a coordinator's call-out message to volunteers"),
  "callouts.final_text": notPersonal("a coordinator's final plan for a call-out"),
  "callouts.status": notPersonal("a call-out's state"),
  "callouts.launch_key": notPersonal("a random id of the conversation that launched a call-out"),
  "regions.code": notPersonal("reference data"),
  "regions.name_kk": notPersonal("reference data"),
  "regions.name_ru": notPersonal("reference data"),
  "regions.center_kk": notPersonal("reference data"),
  "regions.center_ru": notPersonal("reference data"),
};

/** For each table with personal or account columns: the column that holds the person's id (compared as text). */
export const OWNER_COLUMNS: Readonly<Record<string, string>> = {
  users: "id",
  browse_states: "user_id",
  conversation_states: "key",
  participations: "user_id",
  hour_entries: "user_id",
  marathon_deeds: "user_id",
  volunteer_books: "user_id",
  outbox: "chat_id",
  organizations: "owner_id",
  organization_members: "user_id",
  coordinators: "user_id",
  emergency_profiles: "user_id",
  callout_answers: "user_id",
  club_coordinators: "user_id",
  club_answers: "user_id",
};
