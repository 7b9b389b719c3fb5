import { existsSync } from "node:fs";
import { startGreenLight } from "./app.js";
import { loadConfig } from "./config.js";
import { consoleLogger } from "./logger.js";
import { exitOnSignals } from "./shutdown.js";

/** The bot process. `npm start` runs src/dev/start-local.ts, which starts this with the emulator and Playgrounds. */
if (existsSync(".env")) process.loadEnvFile(".env");
const config = loadConfig(process.env);
const log = consoleLogger("bot");
const app = await startGreenLight(config, { log });
exitOnSignals(() => app.close(), log, config.env.SHUTDOWN_TIMEOUT_MS);
