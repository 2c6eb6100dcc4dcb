import { InlineKeyboard } from "grammy";
import { type Category, isCategory } from "../../domain/categories";
import { completeOnboarding, type GeoPoint, isValidPoint } from "../../domain/users";
import { cb, cbPattern } from "../callback-data";
import { type DeepLink, matchDeepLink } from "../deep-links";
import type { LocaleKey } from "../../i18n";
import type { BotConversation, InnerContext } from "../context";
import { categoryList, interestsKeyboard, locationRequestKeyboard, mainMenuKeyboard, regionKeyboard } from "../keyboards";

export const ONBOARDING = "onboarding";

/** Answers whatever does not fit the current step: a stale button gets a toast, anything else a hint. */
function hint(key: LocaleKey) {
  return async (ctx: InnerContext) => {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t("common.stale_button") });
    else await ctx.reply(ctx.t(key));
  };
}

/**
 * Region → interests → consent → optional location. Every side effect outside ctx goes through external().
 * A deep-link payload the user came with is offered as a "continue" button at the end.
 */
export function createOnboarding(deepLinks: readonly DeepLink[]) {
  return (conversation: BotConversation, ctx: InnerContext, payload?: string) =>
    onboarding(conversation, ctx, matchDeepLink(deepLinks, payload));
}

async function onboarding(
  conversation: BotConversation,
  ctx: InnerContext,
  deepLink: ReturnType<typeof matchDeepLink>,
): Promise<void> {
  const { t, locale } = ctx;
  const { regions } = ctx.deps;
  const userId = ctx.from!.id;

  await ctx.reply(t("onboarding.welcome", { name: ctx.from!.first_name }));

  // 1. Region
  await ctx.reply(t("onboarding.region_prompt"), {
    reply_markup: regionKeyboard(regions, locale, "ob", "r"),
  });
  let regionCode: string;
  for (;;) {
    const pick = await conversation.waitForCallbackQuery(cbPattern("ob", "r", 1), {
      otherwise: hint("onboarding.region_hint"),
    });
    const region = regions.get(pick.match[1]);
    if (!region) {
      await pick.answerCallbackQuery({ text: t("common.stale_button") });
      continue;
    }
    regionCode = region.code;
    await pick.answerCallbackQuery();
    await pick.editMessageText(t("onboarding.region_chosen", { region: regions.name(region, locale) }));
    break;
  }

  // 2. Interests (multi-select)
  const selected: Category[] = [];
  const doneLabel = t("onboarding.interests_done");
  await ctx.reply(t("onboarding.interests_prompt"), {
    reply_markup: interestsKeyboard(t, selected, "ob", doneLabel),
  });
  for (;;) {
    const press = await conversation.waitForCallbackQuery([cbPattern("ob", "i", 1), cbPattern("ob", "idone")], {
      otherwise: hint("onboarding.interests_hint"),
    });
    const category = press.match[1];
    if (category === undefined) {
      await press.answerCallbackQuery();
      const chosen = selected.length ? categoryList(t, selected) : t("onboarding.interests_none");
      await press.editMessageText(t("onboarding.interests_chosen", { list: chosen }));
      break;
    }
    if (!isCategory(category)) {
      await press.answerCallbackQuery({ text: t("common.stale_button") });
      continue;
    }
    const at = selected.indexOf(category);
    if (at >= 0) selected.splice(at, 1);
    else selected.push(category);
    await press.answerCallbackQuery({ text: t("onboarding.interests_count", { count: selected.length }) });
    await press.editMessageReplyMarkup({ reply_markup: interestsKeyboard(t, selected, "ob", doneLabel) });
  }

  // 3. Consent to personal-data processing
  await ctx.reply(t("onboarding.consent_prompt"), {
    reply_markup: new InlineKeyboard()
      .text(t("onboarding.consent_yes"), cb("ob", "consent", "yes"))
      .row()
      .text(t("onboarding.consent_no"), cb("ob", "consent", "no")),
  });
  const answer = await conversation.waitForCallbackQuery(cbPattern("ob", "consent", 1), {
    otherwise: hint("onboarding.consent_hint"),
  });
  const consent = answer.match[1] === "yes";
  await answer.answerCallbackQuery();
  await answer.editMessageText(t(consent ? "onboarding.consent_given" : "onboarding.consent_declined"));

  // 4. Location, only worth asking with consent (without it nothing personal is kept)
  let location: GeoPoint | undefined;
  if (consent) {
    const skip = t("onboarding.location_skip");
    await ctx.reply(t("onboarding.location_prompt"), { reply_markup: locationRequestKeyboard(t, skip) });
    for (;;) {
      const reply = await conversation.waitFor(["message:location", "message:text"], {
        otherwise: hint("onboarding.location_hint"),
      });
      const shared = reply.message.location;
      if (shared && isValidPoint(shared)) {
        location = { latitude: shared.latitude, longitude: shared.longitude };
        break;
      }
      if (reply.message.text === skip) break;
      await reply.reply(t("onboarding.location_hint"));
    }
  }

  const from = ctx.from!;
  await conversation.external(async () => {
    await completeOnboarding(ctx.deps.db, userId, {
      language: locale,
      regionCode,
      interests: selected,
      consent,
      location,
      profile: { firstName: from.first_name, lastName: from.last_name, username: from.username },
    });
  });
  await ctx.reply(t(location ? "onboarding.done_with_location" : "onboarding.done"), {
    reply_markup: { remove_keyboard: true },
  });
  const next = deepLink?.link.continueButton?.(t, deepLink.arg);
  const menu = mainMenuKeyboard(t);
  await ctx.reply(t("menu.title"), { reply_markup: next ? new InlineKeyboard().text(next.text, next.data).row().append(menu) : menu });
}
