/** One-line structured logs. Callers pass facts, never secrets (keys, tokens, passwords). */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function consoleLogger(component: string, write: (line: string) => void = (l) => console.log(l)): Logger {
  const emit = (level: string, message: string, fields?: Record<string, unknown>): void =>
    write(JSON.stringify({ at: new Date().toISOString(), level, component, message, ...fields }));
  return {
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** An error as one log field: its name and message, never its stack. */
export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
