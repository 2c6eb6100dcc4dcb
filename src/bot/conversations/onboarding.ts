import { InlineKeyboard } from "grammy";
import { type Category, isCategory } from "../../domain/categories";
import { completeOnboarding, type GeoPoint, isValidPoint } from "../../domain/users";
import { cb, cbPattern } from "../callback-data";
import { type DeepLink, matchDeepLink } from "../deep-links";
import { cleanName } from "../../domain/text";
import type { BotConversation, InnerContext } from "../context";
import { telegramProfile } from "../profile";
import { showStep } from "../screen";
import { type ConversationSpec, defineConversation, ONBOARDING } from "./registry";
import { hint, reject } from "./wait";
import {
  categoryList,
  interestsKeyboard,
  locationRequestKeyboard,
  mainMenuKeyboard,
  regionKeyboard,
} from "../keyboards";

export { ONBOARDING };

/**
 * Region → interests → consent → optional location. Every side effect outside ctx goes through external().
 * A deep-link payload the user came with is offered as a "continue" button at the end.
 * Bump the version when steps change (bot/conversations/registry.ts).
 */
export function onboardingConversation(deepLinks: readonly DeepLink[]): ConversationSpec {
  return defineConversation(ONBOARDING, 2, "chats.dropped_onboarding", (conversation, ctx, payload?: string) =>
    onboarding(conversation, ctx, matchDeepLink(deepLinks, payload)),
  );
}

/** The categories marked ✅ on a pressed interests keyboard: while toggling, the selection lives in the message. */
function selectedOn(
  message: { reply_markup?: { inline_keyboard: { text: string; callback_data?: string }[][] } } | undefined,
): Category[] {
  const selected: Category[] = [];
  for (const button of message?.reply_markup?.inline_keyboard.flat() ?? []) {
    const category = /^ob:i:(.+)$/.exec(button.callback_data ?? "")?.[1];
    if (category && isCategory(category) && button.text.startsWith("✅")) selected.push(category);
  }
  return selected;
}

async function onboarding(
  conversation: BotConversation,
  ctx: InnerContext,
  deepLink: ReturnType<typeof matchDeepLink>,
): Promise<void> {
  const { t, locale } = ctx;
  const { regions } = ctx.deps;
  const userId = ctx.from!.id;
  const name = cleanName(ctx.from!.first_name);

  await ctx.reply(name ? t("onboarding.welcome", { name }) : t("onboarding.welcome_no_name"));

  // 1. Region
  await ctx.reply(t("onboarding.region_prompt"), {
    reply_markup: regionKeyboard(regions, locale, "ob", "r"),
  });
  const pick = await conversation
    .waitForCallbackQuery(cbPattern("ob", "r", 1), { otherwise: hint("onboarding.region_hint") })
    .andFrom(userId);
  const region = regions.get(pick.match[1]);
  if (!region) await reject(conversation, pick, t("common.stale_button"));
  const regionCode = region!.code;
  await pick.answerCallbackQuery();
  await showStep(pick, t("onboarding.region_chosen", { region: regions.name(region!, locale) }));

  // 2. Interests (multi-select). A toggle only edits the keyboard and is then forgotten (not kept in the log), so
  // any number of presses keeps the state small; "done" reads the selection off the pressed keyboard once.
  const doneLabel = t("onboarding.interests_done");
  await ctx.reply(t("onboarding.interests_prompt"), {
    reply_markup: interestsKeyboard(t, [], "ob", doneLabel),
  });
  const press = await conversation
    .waitForCallbackQuery([cbPattern("ob", "i", 1), cbPattern("ob", "idone")], {
      otherwise: hint("onboarding.interests_hint"),
    })
    .andFrom(userId);
  const category = press.match[1];
  if (category !== undefined) {
    if (!isCategory(category)) await reject(conversation, press, t("common.stale_button"));
    const current = selectedOn(press.callbackQuery.message);
    const next = current.includes(category as Category)
      ? current.filter((c) => c !== category)
      : [...current, category as Category];
    await press.answerCallbackQuery({ text: t("onboarding.interests_count", { count: next.length }) });
    await press.editMessageReplyMarkup({ reply_markup: interestsKeyboard(t, next, "ob", doneLabel) });
    await conversation.skip({ next: false });
  }
  const selected = await conversation.external(() => selectedOn(press.callbackQuery.message));
  await press.answerCallbackQuery();
  const chosen = selected.length ? categoryList(t, selected) : t("onboarding.interests_none");
  await showStep(press, t("onboarding.interests_chosen", { list: chosen }));

  // 3. Consent to personal-data processing
  await ctx.reply(t("onboarding.consent_prompt"), {
    reply_markup: new InlineKeyboard()
      .text(t("onboarding.consent_yes"), cb("ob", "consent", "yes"))
      .row()
      .text(t("onboarding.consent_no"), cb("ob", "consent", "no")),
  });
  const answer = await conversation
    .waitForCallbackQuery(cbPattern("ob", "consent", 1), { otherwise: hint("onboarding.consent_hint") })
    .andFrom(userId);
  const consent = answer.match[1] === "yes";
  await answer.answerCallbackQuery();
  await showStep(answer, t(consent ? "onboarding.consent_given" : "onboarding.consent_declined"));

  // 4. Location, only worth asking with consent (without it nothing personal is kept)
  let location: GeoPoint | undefined;
  if (consent) {
    const skip = t("onboarding.location_skip");
    await ctx.reply(t("onboarding.location_prompt"), { reply_markup: locationRequestKeyboard(t, skip) });
    const reply = await conversation
      .waitFor(["message:location", "message:text"], { otherwise: hint("onboarding.location_hint") })
      .andFrom(userId);
    const shared = reply.message.location;
    if (shared && isValidPoint(shared)) location = { latitude: shared.latitude, longitude: shared.longitude };
    else if (reply.message.text !== skip) await reject(conversation, reply, t("onboarding.location_hint"));
  }

  await conversation.external(async (outside) => {
    // The profile comes from this live update: the stored log keeps no names (bot/conversations/storage.ts).
    await completeOnboarding(ctx.deps.db, userId, {
      language: locale,
      regionCode,
      interests: selected,
      consent,
      location,
      profile: outside.from ? telegramProfile(outside.from) : {},
    });
  });
  await ctx.reply(t(location ? "onboarding.done_with_location" : "onboarding.done"), {
    reply_markup: { remove_keyboard: true },
  });
  const next = deepLink?.link.continueButton?.(t, deepLink.arg);
  const menu = mainMenuKeyboard(t);
  await ctx.reply(t("menu.title"), {
    reply_markup: next ? new InlineKeyboard().text(next.text, next.data).row().append(menu) : menu,
  });
}
