/**
 * The shape of every locale file, from the Kazakh ones (locales/kk/<file>.json is the namespace t("<file>.key")), so
 * i18next types t(): a key that does not exist fails `tsc`. One line per file: test/unit/locale-types.test.ts fails
 * when a file of locales/kk is missing here.
 */
import type actions from "../../locales/kk/actions.json";
import type authoring from "../../locales/kk/authoring.json";
import type alerts from "../../locales/kk/alerts.json";
import type attendance from "../../locales/kk/attendance.json";
import type broadcasts from "../../locales/kk/broadcasts.json";
import type callouts from "../../locales/kk/callouts.json";
import type categories from "../../locales/kk/categories.json";
import type channels from "../../locales/kk/channels.json";
import type chats from "../../locales/kk/chats.json";
import type clubs from "../../locales/kk/clubs.json";
import type commands from "../../locales/kk/commands.json";
import type common from "../../locales/kk/common.json";
import type front_office from "../../locales/kk/front_office.json";
import type help from "../../locales/kk/help.json";
import type hours from "../../locales/kk/hours.json";
import type language from "../../locales/kk/language.json";
import type marathons from "../../locales/kk/marathons.json";
import type menu from "../../locales/kk/menu.json";
import type onboarding from "../../locales/kk/onboarding.json";
import type organizer from "../../locales/kk/organizer.json";
import type privacy from "../../locales/kk/privacy.json";
import type reminders from "../../locales/kk/reminders.json";
import type settings from "../../locales/kk/settings.json";

export interface LocaleResources {
  actions: typeof actions;
  authoring: typeof authoring;
  alerts: typeof alerts;
  attendance: typeof attendance;
  broadcasts: typeof broadcasts;
  callouts: typeof callouts;
  categories: typeof categories;
  channels: typeof channels;
  chats: typeof chats;
  clubs: typeof clubs;
  commands: typeof commands;
  common: typeof common;
  front_office: typeof front_office;
  help: typeof help;
  hours: typeof hours;
  language: typeof language;
  marathons: typeof marathons;
  menu: typeof menu;
  onboarding: typeof onboarding;
  organizer: typeof organizer;
  privacy: typeof privacy;
  reminders: typeof reminders;
  settings: typeof settings;
}

declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "translation";
    resources: { translation: LocaleResources };
    returnNull: false;
  }
}
