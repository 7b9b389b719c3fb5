import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { WorkspaceState } from "./resources.js";

/** The workspace's state on disk: one JSON file, replaced atomically on every change. */
export class StateFile {
  constructor(private readonly path: string) {}

  load(): WorkspaceState | undefined {
    if (!existsSync(this.path)) return undefined;
    return JSON.parse(readFileSync(this.path, "utf8")) as WorkspaceState;
  }

  save(state: WorkspaceState): void {
    mkdirSync(dirname(this.path), { recursive: true });
    // Write-then-rename so a crash mid-write never leaves a torn file behind.
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state, null, 1), { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
