import { InlineKeyboard } from "grammy";
import { actsFor, staffOf } from "../../../domain/access";
import { localizeAction } from "../../../domain/actions";
import {
  type ActionDraft,
  applyChange,
  authoringOrganizations,
  draftAsAction,
  MAX_ADDRESS,
  MAX_DESCRIPTION,
  MAX_TITLE,
  marathonChoices,
  publishDraft,
  regionCenter,
} from "../../../domain/authoring";
import { pick } from "../../../domain/localized";
import { clipChars } from "../../../domain/text";
import type { Locale } from "../../../i18n";
import { cb } from "../../callback-data";
import type { BotContext, BotConversation, InnerContext } from "../../context";
import { type ConversationSpec, defineConversation } from "../../conversations/registry";
import { hint, reject } from "../../conversations/wait";
import { showStep } from "../../screen";
import { cardView } from "../actions/views";
import {
  askCapacity,
  askCategory,
  askEnd,
  askFieldChange,
  askHours,
  askMarathon,
  askPlace,
  askStart,
  askText,
  askWalkIns,
  askWriteLanguage,
  type Step,
} from "./steps";
import { type Field, FIELDS, fieldsKeyboard, previewKeyboard, toActionKeyboard } from "./views";

export const NEW_ACTION = "newAction";
/** Bump when the steps change (bot/conversations/registry.ts). */
const NEW_ACTION_VERSION = 1;

const other = (l: Locale): Locale => (l === "kk" ? "ru" : "kk");
const suffix = (l: Locale) => (l === "kk" ? "Kk" : "Ru");
type TextField = "title" | "description" | "address";
const textKey = (field: TextField, l: Locale) => `${field}${suffix(l)}` as `${TextField}${"Kk" | "Ru"}`;

/** The texts of one language for the prompts ("in Kazakh" / "in Russian"). */
function inLanguage(ctx: InnerContext, l: Locale) {
  return ctx.t(`authoring.in_${l}`);
}

/** A context that renders in another language (the preview in the draft's other language). */
function inLocale(ctx: InnerContext, locale: Locale): BotContext {
  return Object.assign(Object.create(ctx), { t: ctx.deps.i18n.t(locale), locale }) as BotContext;
}

/** Asks title, description (optional) and, when there is an address, the address in a language. */
async function askTexts(step: Step, draft: ActionDraft, l: Locale, withAddress: boolean): Promise<void> {
  const { t } = step.ctx;
  const lang = inLanguage(step.ctx, l);
  draft[textKey("title", l)] = await askText(step, {
    prompt: t("authoring.ask_title", { language: lang, max: MAX_TITLE }),
    max: MAX_TITLE,
  });
  draft[textKey("description", l)] = await askText(step, {
    prompt: t("authoring.ask_description", { language: lang, max: MAX_DESCRIPTION }),
    max: MAX_DESCRIPTION,
    multiline: true,
    skipLabel: t("authoring.btn_skip"),
  });
  if (withAddress) {
    draft[textKey("address", l)] = await askText(step, {
      prompt: t("authoring.ask_address", { language: lang, max: MAX_ADDRESS }),
      max: MAX_ADDRESS,
      skipLabel: t("authoring.btn_skip"),
    });
  }
}

/** Asks one field of the draft again (the preview's "Edit a field"); a new start keeps the duration. */
async function editDraftField(
  step: Step,
  draft: ActionDraft,
  field: Field,
  first: Locale,
  center: { latitude: number; longitude: number },
  marathons: ReadonlyArray<{ id: number; title: string }>,
): Promise<void> {
  const change = await askFieldChange(step, field, {
    ...draft,
    center,
    marathons,
    // A pin and/or an address in the language the organizer writes in; a pin alone keeps the address.
    askPlace: async (s) => {
      const place = await askPlace(s, first, center, MAX_ADDRESS);
      return {
        latitude: place.latitude,
        longitude: place.longitude,
        hasPin: place.hasPin,
        ...(place.address ? { [textKey("address", first)]: place.address } : {}),
      };
    },
  });
  Object.assign(draft, applyChange(draft, change));
}

async function newAction(conversation: BotConversation, ctx: InnerContext): Promise<void> {
  const { t } = ctx;
  const { db, adminIds } = ctx.deps;
  const userId = ctx.from!.id;
  // The conversation's first moment, kept in its log: the key that makes publishing idempotent (authoring.ts).
  const startedAt = await conversation.now();
  const organizations = await conversation.external(async () =>
    authoringOrganizations(db, await staffOf(db, userId, adminIds)),
  );
  if (organizations.length === 0) {
    await ctx.reply(t("authoring.not_organizer"));
    return;
  }

  // 0. For which organization (only asked of members of several)
  let organization = organizations[0]!;
  if (organizations.length > 1) {
    const kb = new InlineKeyboard();
    for (const o of organizations)
      kb.text(pick(o.nameKk, o.nameRu, ctx.locale).slice(0, 60), cb("na", "org", o.id)).row();
    await ctx.reply(t("authoring.ask_organization"), { reply_markup: kb });
    const answer = await conversation
      .waitFor(["callback_query:data", "message:text"], { otherwise: hint("authoring.use_buttons") })
      .andFrom(userId);
    const picked = organizations.find((o) => answer.callbackQuery?.data === cb("na", "org", o.id));
    if (!picked)
      return reject(conversation, answer, answer.callbackQuery ? t("common.stale_button") : t("authoring.use_buttons"));
    await answer.answerCallbackQuery();
    await answer.editMessageReplyMarkup();
    organization = picked;
  }
  const center = await conversation.external(() => regionCenter(db, organization.regionCode));
  const marathons = await conversation.external(() =>
    marathonChoices(db, center.regionCode, ctx.locale, new Date(startedAt)),
  );
  const step: Step = { conversation, ctx, userId, now: new Date(startedAt) };

  // 1. The language the organizer writes in, then the texts
  const first = await askWriteLanguage(step);
  const lang = inLanguage(ctx, first);
  const title = await askText(step, {
    prompt: t("authoring.ask_title", { language: lang, max: MAX_TITLE }),
    max: MAX_TITLE,
  });
  const description = await askText(step, {
    prompt: t("authoring.ask_description", { language: lang, max: MAX_DESCRIPTION }),
    max: MAX_DESCRIPTION,
    multiline: true,
    skipLabel: t("authoring.btn_skip"),
  });
  const category = await askCategory(step);

  // 2. When
  step.now = new Date(await conversation.now());
  const start = await askStart(step);
  const end = await askEnd(step, start);

  // 3. Where, how many, what it counts for
  const place = await askPlace(step, first, center, MAX_ADDRESS);
  const capacity = await askCapacity(step);
  const hours = await askHours(step, start, end);
  const marathonId = marathons.length > 0 ? await askMarathon(step, marathons) : null;
  const walkIns = await askWalkIns(step);

  const draft: ActionDraft = {
    organizationId: organization.id,
    titleKk: null,
    titleRu: null,
    descriptionKk: null,
    descriptionRu: null,
    addressKk: null,
    addressRu: null,
    category,
    regionCode: center.regionCode,
    startsAt: start.toISOString(),
    endsAt: end.toISOString(),
    latitude: place.latitude,
    longitude: place.longitude,
    hasPin: place.hasPin,
    capacity,
    hours,
    marathonId,
    walkIns,
  };
  draft[textKey("title", first)] = title;
  draft[textKey("description", first)] = description;
  draft[textKey("address", first)] = place.address;

  // 4. The other language, if the organizer wants it
  const second = other(first);
  await ctx.reply(t("authoring.offer_second", { language: inLanguage(ctx, second) }), {
    reply_markup: new InlineKeyboard()
      .text(t(`authoring.btn_add_${second}`), cb("na", "l2", "add"))
      .text(t("authoring.btn_skip"), cb("na", "l2", "skip")),
  });
  const offer = await conversation
    .waitFor(["callback_query:data", "message:text"], { otherwise: hint("authoring.use_buttons") })
    .andFrom(userId);
  const choice = offer.callbackQuery?.data;
  if (choice !== cb("na", "l2", "add") && choice !== cb("na", "l2", "skip"))
    return reject(conversation, offer, offer.callbackQuery ? t("common.stale_button") : t("authoring.use_buttons"));
  await offer.answerCallbackQuery();
  await offer.editMessageReplyMarkup();
  if (choice === cb("na", "l2", "add")) await askTexts(step, draft, second, Boolean(place.address));

  // 5. The preview, exactly as volunteers will see it: publish, edit a field, discard
  let shownIn = first;
  const organizationName = (l: Locale) => pick(organization.nameKk, organization.nameRu, l) || null;
  const previewText = (l: Locale) => {
    const card = { ...localizeAction(draftAsAction(draft, step.now), null, l), organizationName: organizationName(l) };
    const view = cardView(inLocale(ctx, l), card, undefined, "n", step.now);
    return `${t("authoring.preview_header", { language: inLanguage(ctx, l) })}\n\n${view.text}`;
  };
  const hasOther = () => Boolean(draft.titleKk && draft.titleRu);
  // As a volunteer opens a card: the venue pin (when there is one), then the card with the buttons.
  const sendPreview = async () => {
    const address = pick(draft.addressKk, draft.addressRu, shownIn);
    const title = clipChars(pick(draft.titleKk, draft.titleRu, shownIn), 100);
    if (draft.hasPin && address)
      await ctx.replyWithVenue(draft.latitude, draft.longitude, title, clipChars(address, 200));
    else if (draft.hasPin) await ctx.replyWithLocation(draft.latitude, draft.longitude);
    await ctx.reply(previewText(shownIn), { reply_markup: previewKeyboard(t, shownIn, hasOther()) });
  };
  await sendPreview();
  for (;;) {
    const answer = await conversation
      .waitFor(["callback_query:data", "message:text"], { otherwise: hint("authoring.use_buttons") })
      .andFrom(userId);
    const data = answer.callbackQuery?.data;
    if (data === cb("na", "pl", "kk") || data === cb("na", "pl", "ru")) {
      shownIn = data.endsWith("kk") ? "kk" : "ru";
      await answer.answerCallbackQuery();
      await showStep(answer, previewText(shownIn), previewKeyboard(t, shownIn, hasOther()));
      continue;
    }
    if (data === cb("na", "disc")) {
      await answer.answerCallbackQuery();
      await showStep(answer, t("authoring.discarded"));
      return;
    }
    if (data === cb("na", "edit")) {
      await answer.answerCallbackQuery();
      const fields = FIELDS.filter((f) => f !== "mar" || marathons.length > 0);
      await showStep(
        answer,
        t("authoring.which_field"),
        fieldsKeyboard(t, fields, (f) => cb("na", "f", f)).text(t("common.back"), cb("na", "back")),
      );
      const chosen = await conversation
        .waitFor(["callback_query:data", "message:text"], { otherwise: hint("authoring.use_buttons") })
        .andFrom(userId);
      const pickedData = chosen.callbackQuery?.data;
      const field = fields.find((f) => pickedData === cb("na", "f", f));
      if (pickedData === cb("na", "back")) {
        await chosen.answerCallbackQuery();
        await showStep(chosen, previewText(shownIn), previewKeyboard(t, shownIn, hasOther()));
        continue;
      }
      if (!field)
        return reject(
          conversation,
          chosen,
          chosen.callbackQuery ? t("common.stale_button") : t("authoring.use_buttons"),
        );
      await chosen.answerCallbackQuery();
      await chosen.editMessageReplyMarkup();
      step.now = new Date(await conversation.now());
      await editDraftField(step, draft, field, first, center, marathons);
      await sendPreview();
      continue;
    }
    if (data !== cb("na", "pub"))
      return reject(conversation, answer, answer.callbackQuery ? t("common.stale_button") : t("authoring.use_buttons"));

    await answer.answerCallbackQuery();
    const outcome = await conversation.external(async () => {
      const staff = await staffOf(db, userId, adminIds);
      if (!actsFor(staff, draft.organizationId)) return { status: "forbidden" as const };
      return publishDraft(db, draft, userId, new Date(startedAt), new Date());
    });
    if (outcome.status === "forbidden") {
      await answer.editMessageReplyMarkup();
      await ctx.reply(t("authoring.not_yours"));
      return;
    }
    if (outcome.status === "refused") {
      // The start passed while the organizer was writing (a new start), or no title is left; then the preview again.
      await answer.editMessageReplyMarkup();
      const past = outcome.reason === "past";
      await ctx.reply(t(past ? "authoring.publish_past" : "authoring.refused_no_title"));
      step.now = new Date(await conversation.now());
      await editDraftField(step, draft, past ? "st" : first === "kk" ? "tk" : "tr", first, center, marathons);
      await sendPreview();
      continue;
    }
    await answer.editMessageReplyMarkup();
    await ctx.reply(t("authoring.published", { title: pick(draft.titleKk, draft.titleRu, ctx.locale) }), {
      reply_markup: toActionKeyboard(t, outcome.id),
    });
    return;
  }
}

/** The conversations of this feature; installed after the conversations plugin (bot/index.ts). */
export const newActionConversation: ConversationSpec = defineConversation(
  NEW_ACTION,
  NEW_ACTION_VERSION,
  "chats.dropped_newAction",
  newAction,
);
