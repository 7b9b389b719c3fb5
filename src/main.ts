import { existsSync } from "node:fs";
import { buildStore } from "./build-store.js";
import { loadConfig } from "./config.js";
import { consoleLogger } from "./logger.js";
import { exitOnSignals } from "./shutdown.js";

/** The bot process. `npm start` runs src/dev/start-local.ts, which starts this with the emulator and Playgrounds. */
if (existsSync(".env")) process.loadEnvFile(".env");
const config = loadConfig(process.env);
const log = consoleLogger("bot");
// The store opens (on a first start PGlite creates its database, in a child process) while the Azure and Teams SDKs
// load: both take about a second.
const opening = buildStore(config.env);
// Awaited (and a failure reported) by startGreenLight; until then a failure must not count as unhandled.
opening.catch(() => undefined);
const { startGreenLight } = await import("./app.js");
const app = await startGreenLight(config, { log, opening });
exitOnSignals(() => app.close(), log, config.env.SHUTDOWN_TIMEOUT_MS);
