// The bot process for tests that run GreenLight as a child (test/support/bot-process.ts): src/main.ts without reading
// a developer's .env, so the test's environment is the whole configuration.
import { startGreenLight } from "../../src/app.js";
import { loadConfig } from "../../src/config.js";

const app = await startGreenLight(loadConfig(process.env));
process.once("SIGTERM", () => {
  void app.close().then(() => process.exit(0));
});
