import { existsSync } from "node:fs";
import { startGreenLight } from "./app.js";
import { loadConfig } from "./config.js";

/** The bot process. `npm start` runs src/dev/start-local.ts, which starts this with the emulator and Playgrounds. */
if (existsSync(".env")) process.loadEnvFile(".env");
const app = await startGreenLight(loadConfig(process.env));
const stop = (): void => {
  void app.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
