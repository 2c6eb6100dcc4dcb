import { z } from "zod";

/** Telegram allows 1–256 of these characters; fewer than 16 would be guessable, so they are refused here. */
const WEBHOOK_SECRET = /^[A-Za-z0-9_-]{16,256}$/;

const schema = z
  .object({
    BOT_TOKEN: z
      .string()
      .regex(/^\d+:[A-Za-z0-9_-]+$/, "must look like 123456:ABC-DEF… (from @BotFather)")
      .optional(),
    BOT_MODE: z.enum(["polling", "webhook"]).default("polling"),
    TELEGRAM_API_ROOT: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    WEBHOOK_URL: z.url({ protocol: /^https$/, error: "must be an https URL" }).optional(),
    WEBHOOK_SECRET: z.string().regex(WEBHOOK_SECRET, "must be 16–256 characters of A-Z a-z 0-9 _ -").optional(),
    HOST: z.string().min(1).default("0.0.0.0"),
    PORT: z.coerce.number({ error: "must be a port number 1–65535" }).int().min(1).max(65535).default(8080),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
      .optional(),
    DATA_DIR: z.string().min(1).default("./data"),
    ADMIN_IDS: z
      .string()
      .default("")
      .transform((raw, ctx) => {
        const ids: number[] = [];
        for (const part of raw
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)) {
          if (!/^\d{1,16}$/.test(part) || !Number.isSafeInteger(Number(part))) {
            ctx.addIssue({ code: "custom", message: `"${part}" is not a Telegram user id` });
            return z.NEVER;
          }
          ids.push(Number(part));
        }
        return ids;
      }),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    DELIVERY_RATE: z.coerce.number({ error: "must be messages per second, 1–1000" }).int().min(1).max(1000).default(30),
    DELIVERY_PAID_BROADCAST: z
      .enum(["true", "false"], { error: "must be true or false" })
      .default("false")
      .transform((v) => v === "true"),
    OUTBOX_RETENTION_DAYS: z.coerce
      .number({ error: "must be a number of days, 1–365" })
      .int()
      .min(1)
      .max(365)
      .default(14),
  })
  .superRefine((env, ctx) => {
    if (env.DELIVERY_RATE > 30 && !env.DELIVERY_PAID_BROADCAST)
      ctx.addIssue({ code: "custom", path: ["DELIVERY_RATE"], message: "above 30 needs DELIVERY_PAID_BROADCAST=true" });
    if (env.BOT_MODE !== "webhook") return;
    if (!env.BOT_TOKEN)
      ctx.addIssue({ code: "custom", path: ["BOT_TOKEN"], message: "is required when BOT_MODE=webhook" });
    if (!env.WEBHOOK_URL)
      ctx.addIssue({ code: "custom", path: ["WEBHOOK_URL"], message: "is required when BOT_MODE=webhook" });
    if (!env.WEBHOOK_SECRET)
      ctx.addIssue({ code: "custom", path: ["WEBHOOK_SECRET"], message: "is required when BOT_MODE=webhook" });
  });

type Env = z.infer<typeof schema>;

export interface Config {
  botToken?: string;
  mode: "polling" | "webhook" | "playground";
  apiRoot?: string;
  webhook?: { url: string; secret: string; host: string; port: number };
  /** Health endpoint port; the webhook server serves it too. */
  port: number;
  host: string;
  databaseUrl?: string;
  dataDir: string;
  adminIds: number[];
  logLevel: Env["LOG_LEVEL"];
  delivery: { ratePerSecond: number; paidBroadcast: boolean; retentionDays: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
    this.name = "ConfigError";
  }
}

/** Parses the environment; throws ConfigError naming every bad variable. Empty strings count as unset. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const env: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = source[key]?.trim();
    if (value) env[key] = value;
  }
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${String(issue.path[0] ?? "environment")} ${issue.message}`),
    );
  }
  const e = parsed.data;
  return {
    botToken: e.BOT_TOKEN,
    mode: !e.BOT_TOKEN ? "playground" : e.BOT_MODE,
    apiRoot: e.TELEGRAM_API_ROOT?.replace(/\/+$/, ""),
    webhook:
      e.BOT_MODE === "webhook"
        ? { url: e.WEBHOOK_URL!, secret: e.WEBHOOK_SECRET!, host: e.HOST, port: e.PORT }
        : undefined,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    adminIds: e.ADMIN_IDS,
    logLevel: e.LOG_LEVEL,
    delivery: {
      ratePerSecond: e.DELIVERY_RATE,
      paidBroadcast: e.DELIVERY_PAID_BROADCAST,
      retentionDays: e.OUTBOX_RETENTION_DAYS,
    },
  };
}
