// The bot process for tests that run GreenLight as a child (test/support/bot-process.ts): src/main.ts without reading
// a developer's .env, so the test's environment is the whole configuration.
import { startGreenLight } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";
import { consoleLogger } from "../../src/logger.js";
import { exitOnSignals } from "../../src/shutdown.js";

const config = loadConfig(process.env);
const log = consoleLogger("bot");
const app = await startGreenLight(config, { log });
exitOnSignals(() => app.close(), log, config.env.SHUTDOWN_TIMEOUT_MS);
