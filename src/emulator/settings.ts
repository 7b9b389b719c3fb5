import { z } from "zod";

/** The emulator's settings from the environment (all optional). */
export const emulatorSettingsSchema = z.object({
  /** HTTPS port on 127.0.0.1 for ARM, scoring and the admin routes. */
  EMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(8443),
  /** State, TLS certificates and logs live here. */
  EMULATOR_DATA_DIR: z.string().min(1).default(".data/emulator"),
  /** How long create/update/delete operations take. */
  EMULATOR_PROVISIONING_DELAY_MS: z.coerce.number().int().min(0).default(2000),
  /** Retry-After seconds on long-running operations, at least (longer while an operation needs longer); 0: none. */
  EMULATOR_RETRY_AFTER_SECONDS: z.coerce.number().int().min(0).max(600).default(1),
  /** Largest scoring request body, bytes. */
  EMULATOR_MAX_REQUEST_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(5 * 1024 * 1024),
  /**
   * How long after a minute ends Azure Monitor reports its request metrics (Azure takes a minute or two, unannounced).
   * 0 reports every minute at once, the one in progress too.
   */
  EMULATOR_METRICS_DELAY_SECONDS: z.coerce.number().int().min(0).max(3600).default(120),
  /** `debug` adds a line per ARM request (method, path, status, time); start-up lines and errors show at `info`. */
  EMULATOR_LOG_LEVEL: z.enum(["info", "debug"]).default("info"),
});
export type EmulatorSettings = z.infer<typeof emulatorSettingsSchema>;
export type EmulatorLogLevel = EmulatorSettings["EMULATOR_LOG_LEVEL"];
/** Where the emulator's own lines go; a line without a level is `info`. */
export type EmulatorLog = (line: string, level?: EmulatorLogLevel) => void;

export function loadEmulatorSettings(env: NodeJS.ProcessEnv): EmulatorSettings {
  const parsed = emulatorSettingsSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid emulator setting ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return parsed.data;
}
