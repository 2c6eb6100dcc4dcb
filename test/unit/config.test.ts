import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a configuration error");
}

describe("config", () => {
  it("runs the playground on the embedded database when nothing is set", () => {
    const config = loadConfig({});
    expect(config.mode).toBe("playground");
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe("./data");
  });

  it("reads polling, API root, PostgreSQL and admins", () => {
    const config = loadConfig({
      BOT_TOKEN: "123:abc-DEF_1",
      TELEGRAM_API_ROOT: "http://127.0.0.1:8081/",
      DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test",
      ADMIN_IDS: "5000000001, 42",
    });
    expect(config).toMatchObject({
      mode: "polling",
      apiRoot: "http://127.0.0.1:8081",
      databaseUrl: "postgres://postgres@127.0.0.1:5432/test",
      adminIds: [5000000001, 42],
    });
  });

  it("names every bad variable", () => {
    const problems = problemsOf({ BOT_TOKEN: "nope", PORT: "eighty", DATABASE_URL: "mysql://x", ADMIN_IDS: "1,abc" });
    expect(problems.map((p) => p.split(" ")[0]).sort()).toEqual(["ADMIN_IDS", "BOT_TOKEN", "DATABASE_URL", "PORT"]);
  });

  it("requires the webhook settings in webhook mode and checks the secret's alphabet", () => {
    expect(problemsOf({ BOT_TOKEN: "1:a", BOT_MODE: "webhook" }).map((p) => p.split(" ")[0])).toEqual([
      "WEBHOOK_URL",
      "WEBHOOK_SECRET",
    ]);
    expect(
      problemsOf({ BOT_TOKEN: "1:a", BOT_MODE: "webhook", WEBHOOK_URL: "https://x.kz/tg", WEBHOOK_SECRET: "a b" })[0],
    ).toMatch(/^WEBHOOK_SECRET /);
    const webhook = { BOT_TOKEN: "1:a", BOT_MODE: "webhook", WEBHOOK_URL: "https://x.kz/tg" };
    expect(problemsOf({ ...webhook, WEBHOOK_SECRET: "short_secret_15" })).toEqual([
      "WEBHOOK_SECRET must be 16–256 characters of A-Z a-z 0-9 _ -",
    ]);
    expect(problemsOf({ ...webhook, WEBHOOK_SECRET: "sixteen_chars_ok/" })[0]).toMatch(/^WEBHOOK_SECRET /);
    expect(problemsOf({ ...webhook, WEBHOOK_SECRET: "x".repeat(257) })[0]).toMatch(/^WEBHOOK_SECRET /);
    expect(loadConfig({ ...webhook, WEBHOOK_SECRET: "sixteen-chars_OK" }).webhook?.secret).toBe("sixteen-chars_OK");
    expect(loadConfig({ ...webhook, WEBHOOK_SECRET: "x".repeat(256) }).webhook?.secret).toHaveLength(256);
    expect(problemsOf({ BOT_MODE: "sometimes" })[0]).toMatch(/^BOT_MODE /);
  });

  it("reads the delivery settings and keeps the free rate unless paid broadcasts are on", () => {
    expect(loadConfig({}).delivery).toEqual({ ratePerSecond: 30, paidBroadcast: false, retentionDays: 14 });
    expect(problemsOf({ DELIVERY_RATE: "100" })).toEqual(["DELIVERY_RATE above 30 needs DELIVERY_PAID_BROADCAST=true"]);
    expect(loadConfig({ DELIVERY_RATE: "100", DELIVERY_PAID_BROADCAST: "true" }).delivery.ratePerSecond).toBe(100);
    expect(
      problemsOf({ OUTBOX_RETENTION_DAYS: "0", DELIVERY_PAID_BROADCAST: "yes" })
        .map((p) => p.split(" ")[0])
        .sort(),
    ).toEqual(["DELIVERY_PAID_BROADCAST", "OUTBOX_RETENTION_DAYS"]);
  });

  it("exits non-zero with one clear line and no stack trace", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...process.env, BOT_TOKEN: "not-a-token", DATABASE_URL: "" },
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      "Configuration error: BOT_TOKEN must look like 123456:ABC-DEF… (from @BotFather)",
    );
  });
});
