import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, type WriteStream } from "node:fs";
import { dirname, join } from "node:path";
import type { LogLine } from "./runtime/deployment-runtime.js";

export type ContainerType = "StorageInitializer" | "InferenceServer";

const MAX_TAIL = 10_000;
const FLUSH_INTERVAL_MS = 50;

/**
 * Each deployment's container logs, one file per container under `<dataDir>/logs/<endpoint>/<deployment>/`,
 * so `getLogs` shows the real lines across restarts.
 */
export class DeploymentLogs {
  private readonly streams = new Map<string, WriteStream>();
  /** Lines not yet written, per file. A writer holds its file's entry: a busy deployment logs every request. */
  private readonly pending = new Map<string, PendingLines>();
  private stampMs = -1;
  private stamp = "";
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  append(endpoint: string, deployment: string, container: ContainerType, line: string): void {
    this.writer(endpoint, deployment, container)(line);
  }

  /** A log function for one container, with its file resolved once (the runtime logs every request). */
  writer(endpoint: string, deployment: string, container: ContainerType): (line: LogLine) => void {
    const path = this.path(endpoint, deployment, container);
    let file = this.pending.get(path);
    if (!file) this.pending.set(path, (file = new PendingLines()));
    const pending = file;
    return (line) => {
      pending.add(this.nowMs(), line);
      // Batched: a file write per line would cost more than the scoring.
      this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS).unref();
    };
  }

  /** ISO time of a millisecond, formatted once per millisecond however many lines it has. */
  private timestamp(ms: number): string {
    if (ms !== this.stampMs) {
      this.stampMs = ms;
      this.stamp = new Date(ms).toISOString();
    }
    return this.stamp;
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const [path, file] of this.pending) {
      const text = file.take((ms) => this.timestamp(ms));
      if (text === undefined) continue;
      let stream = this.streams.get(path);
      if (!stream) {
        mkdirSync(dirname(path), { recursive: true });
        stream = createWriteStream(path, { flags: "a" });
        this.streams.set(path, stream);
      }
      stream.write(text);
    }
  }

  /** The last `tail` lines (all when absent), after pending writes reach the file. */
  async read(endpoint: string, deployment: string, container: ContainerType, tail?: number): Promise<string> {
    const path = this.path(endpoint, deployment, container);
    this.flush();
    const stream = this.streams.get(path);
    if (stream) await new Promise<void>((resolve) => stream.write("", () => resolve()));
    if (!existsSync(path)) return "";
    const lines = readFileSync(path, "utf8").split("\n");
    if (lines.at(-1) === "") lines.pop();
    const count = Math.min(tail ?? MAX_TAIL, MAX_TAIL);
    return lines.slice(Math.max(0, lines.length - count)).join("\n") + (lines.length > 0 && count > 0 ? "\n" : "");
  }

  async remove(endpoint: string, deployment: string): Promise<void> {
    for (const container of ["StorageInitializer", "InferenceServer"] as const) {
      const path = this.path(endpoint, deployment, container);
      this.pending.get(path)?.clear();
      const stream = this.streams.get(path);
      if (stream) {
        this.streams.delete(path);
        await new Promise<void>((resolve) => stream.end(() => resolve()));
      }
    }
    rmSync(this.folder(endpoint, deployment), { recursive: true, force: true });
  }

  async close(): Promise<void> {
    this.flush();
    const streams = [...this.streams.values()];
    this.streams.clear();
    await Promise.all(streams.map((s) => new Promise<void>((resolve) => s.end(() => resolve()))));
  }

  private folder(endpoint: string, deployment: string): string {
    return join(this.dataDir, "logs", endpoint.toLowerCase(), deployment.toLowerCase());
  }

  private path(endpoint: string, deployment: string, container: ContainerType): string {
    const file = container === "StorageInitializer" ? "storage-initializer.log" : "inference-server.log";
    return join(this.folder(endpoint, deployment), file);
  }
}

/** One file's lines until the next flush, with the time each was logged. */
class PendingLines {
  private lines: LogLine[] = [];
  private times: number[] = [];

  add(ms: number, line: LogLine): void {
    this.lines.push(line);
    this.times.push(ms);
  }

  clear(): void {
    this.lines = [];
    this.times = [];
  }

  /** The pending lines as the file's text, stamped with `timestamp`, or undefined when there are none. */
  take(timestamp: (ms: number) => string): string | undefined {
    const { lines, times } = this;
    if (lines.length === 0) return undefined;
    this.lines = [];
    this.times = [];
    let text = "";
    for (let i = 0; i < lines.length; i++) {
      const entry = lines[i]!;
      const line = typeof entry === "string" ? entry : entry();
      const indented = line.includes("\n") ? line.replace(/\r?\n/g, "\n    ") : line;
      text += `${timestamp(times[i]!)} ${indented}\n`;
    }
    return text;
  }
}
