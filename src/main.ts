import { startApp, type App } from "./app";
import { ConfigError, loadConfig, type Config } from "./config";
import { createLogger } from "./logger";

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) console.error(`Configuration error: ${problem}`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  let app: Pick<App, "stop">;
  if (config.mode === "playground") {
    // Loaded only here: production never imports the emulator.
    const { startPlayground } = await import("./playground");
    app = await startPlayground(config);
  } else {
    app = await startApp(config, { logger: createLogger(config.logLevel) });
  }
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    try {
      await app.stop();
      process.exit(0);
    } catch (error) {
      console.error(`Stopped on ${signal} with an error: ${(error as Error).message}`);
      process.exit(1);
    }
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(`Erikti could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
