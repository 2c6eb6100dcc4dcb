import { InlineKeyboard, Keyboard } from "grammy";
import { isOneOf } from "../../../core/one-of";
import { ORGANIZATION_KINDS, type OrganizationKind } from "../../../db/schema";
import {
  type Application,
  applicantState,
  applyForOrganization,
  isValidBin,
  MAX_ORGANIZATION_DESCRIPTION,
  MAX_ORGANIZATION_NAME,
  normalizePhone,
  OrganizationError,
} from "../../../domain/organizations";
import { cleanText } from "../../../domain/text";
import { findUser } from "../../../domain/users";
import type { Locale } from "../../../i18n";
import { cb, cbPattern } from "../../callback-data";
import type { BotConversation, InnerContext } from "../../context";
import { type ConversationSpec, defineConversation } from "../../conversations/registry";
import { hint, reject } from "../../conversations/wait";
import { regionKeyboard } from "../../keyboards";
import { showStep } from "../../screen";
import { APPLY_FIELDS, editKeyboard, kindKeyboard, kindName, skipKeyboard, summaryKeyboard } from "./views";

export const ORG_APPLY = "orgApply";
/** Bump when the steps change (bot/conversations/registry.ts). */
const ORG_APPLY_VERSION = 1;

type Draft = Omit<Application, "ownerId">;

const other = (locale: Locale): Locale => (locale === "kk" ? "ru" : "kk");

/**
 * `/organize`: the name (in the user's language, or the other one, then optionally the other too), the type, the
 * region, the phone (Telegram's contact button, the user's own contact only), a short description and an optional
 * BIN; then a summary with Submit / Edit / Cancel. Nothing is stored before Submit.
 */
async function applyConversation(conversation: BotConversation, ctx: InnerContext): Promise<void> {
  const { t, locale } = ctx;
  const { db, regions, adminIds } = ctx.deps;
  const userId = ctx.from!.id;
  const homeRegion = await conversation.external(async () => (await findUser(db, userId))?.regionCode ?? null);

  const askText = async (prompt: string, hintKey: "organizer.apply_description_hint", max: number) => {
    await ctx.reply(prompt);
    const reply = await conversation.waitFor("message:text", { otherwise: hint(hintKey, { max }) }).andFrom(userId);
    const checked = cleanText(reply.message.text, { max, multiline: true });
    if ("error" in checked || checked.text.startsWith("/")) return reject(conversation, reply, t(hintKey, { max }));
    return checked.text;
  };

  /** One name, typed; a button press (switch or skip) comes back as its callback data. */
  const askName = async (prompt: string, keyboard?: InlineKeyboard) => {
    await ctx.reply(prompt, { reply_markup: keyboard });
    const reply = await conversation
      .waitFor(["message:text", "callback_query:data"], {
        otherwise: hint("organizer.apply_name_hint", { max: MAX_ORGANIZATION_NAME }),
      })
      .andFrom(userId);
    if (reply.callbackQuery) {
      const data = reply.callbackQuery.data;
      const offered = keyboard?.inline_keyboard.flat().some((b) => "callback_data" in b && b.callback_data === data);
      if (!offered) return reject(conversation, reply, t("common.stale_button"));
      await reply.answerCallbackQuery();
      await reply.editMessageReplyMarkup();
      return { pressed: data };
    }
    const checked = cleanText(reply.message!.text, { max: MAX_ORGANIZATION_NAME });
    if ("error" in checked || checked.text.startsWith("/"))
      return reject(conversation, reply, t("organizer.apply_name_hint", { max: MAX_ORGANIZATION_NAME }));
    await ctx.reply(t("organizer.apply_name_saved", { name: checked.text }));
    return { name: checked.text };
  };

  const askNames = async () => {
    let first = locale;
    const max = MAX_ORGANIZATION_NAME;
    let answer = await askName(
      t(`organizer.apply_name_${first}`, { max }),
      new InlineKeyboard().text(t(`organizer.apply_write_${other(first)}`), cb("oap", "switch")),
    );
    if ("pressed" in answer) {
      first = other(first);
      answer = await askName(t(`organizer.apply_name_${first}`, { max }));
    }
    const names: Pick<Draft, "nameKk" | "nameRu"> = {};
    names[first === "kk" ? "nameKk" : "nameRu"] = "name" in answer ? answer.name : undefined;
    const second = await askName(t(`organizer.apply_other_${other(first)}`), skipKeyboard(t, "skipname"));
    if ("name" in second) names[first === "kk" ? "nameRu" : "nameKk"] = second.name;
    return names;
  };

  const askKind = async (): Promise<OrganizationKind> => {
    await ctx.reply(t("organizer.apply_kind_prompt"), { reply_markup: kindKeyboard(t) });
    const pick = await conversation
      .waitForCallbackQuery(cbPattern("oap", "k", 1), { otherwise: hint("organizer.choose_hint") })
      .andFrom(userId);
    const kind = pick.match[1];
    if (!isOneOf(ORGANIZATION_KINDS, kind)) return reject(conversation, pick, t("common.stale_button"));
    await pick.answerCallbackQuery();
    await showStep(pick, t("organizer.apply_kind_chosen", { kind: kindName(t, kind) }));
    return kind;
  };

  const askRegion = async (): Promise<string> => {
    const keyboard = new InlineKeyboard();
    const home = homeRegion ? regions.get(homeRegion) : undefined;
    if (home) {
      keyboard
        .text(t("organizer.apply_region_yours", { region: regions.name(home, locale) }), cb("oap", "r", home.code))
        .row();
    }
    keyboard.append(regionKeyboard(regions, locale, "oap", "r"));
    await ctx.reply(t("organizer.apply_region_prompt"), { reply_markup: keyboard });
    const pick = await conversation
      .waitForCallbackQuery(cbPattern("oap", "r", 1), { otherwise: hint("organizer.choose_hint") })
      .andFrom(userId);
    const region = regions.get(pick.match[1]);
    if (!region) return reject(conversation, pick, t("common.stale_button"));
    await pick.answerCallbackQuery();
    await showStep(pick, t("organizer.apply_region_chosen", { region: regions.name(region, locale) }));
    return region.code;
  };

  const askPhone = async (): Promise<string> => {
    await ctx.reply(t("organizer.apply_phone_prompt"), {
      reply_markup: new Keyboard().requestContact(t("organizer.btn_share_phone")).resized().oneTime(),
    });
    const reply = await conversation
      .waitFor("message", { otherwise: hint("organizer.apply_phone_hint") })
      .andFrom(userId);
    // The stored log keeps no contacts (conversations/storage.ts): the shared one is read from the live update once.
    const shared = await conversation.external((outside) => {
      const contact = outside.message?.contact;
      return contact ? { userId: contact.user_id ?? null, phone: normalizePhone(contact.phone_number) ?? null } : null;
    });
    if (!shared) return reject(conversation, reply, t("organizer.apply_phone_hint"));
    if (shared.userId !== userId) return reject(conversation, reply, t("organizer.apply_phone_not_yours"));
    const phone = shared.phone;
    if (!phone) return reject(conversation, reply, t("organizer.apply_phone_hint"));
    await ctx.reply(t("organizer.apply_phone_saved", { phone }), { reply_markup: { remove_keyboard: true } });
    return phone;
  };

  const askBin = async (): Promise<string | undefined> => {
    await ctx.reply(t("organizer.apply_bin_prompt"), { reply_markup: skipKeyboard(t, "skipbin") });
    const reply = await conversation
      .waitFor(["message:text", "callback_query:data"], { otherwise: hint("organizer.apply_bin_hint") })
      .andFrom(userId);
    if (reply.callbackQuery) {
      if (reply.callbackQuery.data !== cb("oap", "skipbin"))
        return reject(conversation, reply, t("common.stale_button"));
      await reply.answerCallbackQuery();
      await reply.editMessageReplyMarkup();
      return undefined;
    }
    const bin = reply.message!.text!.replace(/[\s-]/g, "");
    if (!isValidBin(bin)) return reject(conversation, reply, t("organizer.apply_bin_hint"));
    return bin;
  };

  const askDescription = () =>
    askText(
      t("organizer.apply_description_prompt", { max: MAX_ORGANIZATION_DESCRIPTION }),
      "organizer.apply_description_hint",
      MAX_ORGANIZATION_DESCRIPTION,
    );

  await ctx.reply(t("organizer.apply_intro"));
  const draft: Draft = {
    ...(await askNames()),
    kind: await askKind(),
    regionCode: await askRegion(),
    phone: await askPhone(),
    description: await askDescription(),
    bin: await askBin(),
  };

  // The summary, until Submit or Cancel; Edit re-asks one field.
  for (;;) {
    const region = regions.get(draft.regionCode);
    await ctx.reply(
      t("organizer.summary", {
        nameKk: draft.nameKk ?? "—",
        nameRu: draft.nameRu ?? "—",
        kind: kindName(t, draft.kind),
        region: region ? regions.name(region, locale) : draft.regionCode,
        phone: draft.phone,
        bin: draft.bin ?? "—",
        description: draft.description,
      }),
      { reply_markup: summaryKeyboard(t) },
    );
    const press = await conversation
      .waitForCallbackQuery([cbPattern("oap", "send"), cbPattern("oap", "edit"), cbPattern("oap", "stop")], {
        otherwise: hint("organizer.choose_hint"),
      })
      .andFrom(userId);
    await press.answerCallbackQuery();
    await press.editMessageReplyMarkup();
    const choice = press.callbackQuery.data;
    if (choice === cb("oap", "stop")) {
      await ctx.reply(t("organizer.apply_cancelled"));
      return;
    }
    if (choice === cb("oap", "send")) break;
    await ctx.reply(t("organizer.edit_prompt"), { reply_markup: editKeyboard(t) });
    const fieldPress = await conversation
      .waitForCallbackQuery(cbPattern("oap", "f", 1), { otherwise: hint("organizer.choose_hint") })
      .andFrom(userId);
    const field = fieldPress.match[1];
    if (!isOneOf(APPLY_FIELDS, field)) return reject(conversation, fieldPress, t("common.stale_button"));
    await fieldPress.answerCallbackQuery();
    await fieldPress.editMessageReplyMarkup();
    if (field === "name") {
      const names = await askNames();
      draft.nameKk = names.nameKk;
      draft.nameRu = names.nameRu;
    } else if (field === "kind") draft.kind = await askKind();
    else if (field === "region") draft.regionCode = await askRegion();
    else if (field === "phone") draft.phone = await askPhone();
    else if (field === "description") draft.description = await askDescription();
    else draft.bin = await askBin();
  }

  const outcome = await conversation.external(async () => {
    try {
      await applyForOrganization(db, { ownerId: userId, ...draft }, adminIds);
      return { ok: true as const };
    } catch (error) {
      if (!(error instanceof OrganizationError)) throw error;
      const state = await applicantState(db, userId, locale);
      return { ok: false as const, code: error.code, pending: state.pending?.name };
    }
  });
  if (outcome.ok) await ctx.reply(t("organizer.apply_sent"));
  else if (outcome.code === "already_pending")
    await ctx.reply(t("organizer.already_pending", { name: outcome.pending ?? "" }));
  else await ctx.reply(t("organizer.apply_error"));
}

export const applySpec: ConversationSpec = defineConversation(
  ORG_APPLY,
  ORG_APPLY_VERSION,
  "organizer.dropped_apply",
  applyConversation,
);
