/**
 * The direction of imports in src/ (ENGINEERING.md, "The shape of the house"):
 *
 *   app.ts, main.ts, playground/   the composition root and the local playground
 *   bot/                           grammY: features, conversations, keyboards, callback data
 *   scheduler/, delivery/          below the bot, never importing it (nor each other's way up)
 *   domain/                        plain TypeScript over the database
 *   i18n/                          templates and formatting (used by bot and delivery)
 *   db/                            client, schema, migrations, the outbox table
 *   core/                          what everyone uses: HTML escaping, Asia/Almaty time, small guards
 *
 * `npm run lint:layers` runs it; test/unit/layers.test.ts runs the same rules in the test suite.
 */
const app = "^src/(app|main)\\.ts$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-folder-cycles",
      comment: "Folders of src/ depend on each other one way only (a cycle means a layer reaches back up).",
      severity: "error",
      scope: "folder",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "no-runtime-cycles",
      comment: "No runtime import cycle between modules (type-only cycles are harmless and allowed).",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "domain-stays-below",
      comment: "The domain is plain TypeScript over the db: no Telegram, no bot, no delivery, no scheduler.",
      severity: "error",
      from: { path: "^src/domain/" },
      to: { path: ["^src/(bot|delivery|scheduler|playground)/", app, "(^|/)node_modules/(grammy|@grammyjs)/"] },
    },
    {
      name: "db-stays-below",
      comment: "The database layer knows no domain rules, no bot, no delivery, no scheduler.",
      severity: "error",
      from: { path: "^src/db/" },
      to: { path: ["^src/(domain|bot|delivery|scheduler|playground|i18n)/", app] },
    },
    {
      name: "delivery-below-bot",
      comment: "Delivery sends what the outbox holds; the bot's button renderer is injected by app.ts.",
      severity: "error",
      from: { path: "^src/delivery/" },
      to: { path: ["^src/(bot|scheduler|playground)/", app] },
    },
    {
      name: "scheduler-below-bot",
      comment: "The scheduler only creates outbox rows: no bot, no delivery.",
      severity: "error",
      from: { path: "^src/scheduler/" },
      to: { path: ["^src/(bot|delivery|playground)/", app] },
    },
    {
      name: "i18n-below-bot",
      comment: "Templates and formatting are used by the bot and by delivery, so they import neither.",
      severity: "error",
      from: { path: "^src/i18n/" },
      to: { path: ["^src/(bot|delivery|scheduler|domain|db|playground)/", app] },
    },
    {
      name: "core-imports-nothing-of-the-app",
      comment: "core/ is what everyone uses; it depends on nothing else in src/.",
      severity: "error",
      from: { path: "^src/core/" },
      to: { path: "^src/", pathNot: "^src/core/" },
    },
    {
      name: "bot-only-through-the-composition-root",
      comment: "Only app.ts and the playground start the bot; below it nobody imports it.",
      severity: "error",
      from: { path: "^src/", pathNot: ["^src/bot/", "^src/playground/", app] },
      to: { path: "^src/bot/" },
    },
    {
      name: "src-never-imports-tests",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^test/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|drizzle)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
    },
    skipAnalysisNotInRules: true,
  },
};
