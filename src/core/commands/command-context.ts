import type { Clock } from "../../ports/clock.js";
import type { Store } from "../../ports/store.js";
import type { Workspace } from "../../ports/workspace.js";
import type { Caller, Role, RoleBook } from "../access/roles.js";

/** Limits that keep messages small and payloads sane. */
export interface Limits {
  /** Longest chat message read; longer ones are refused before parsing (Teams' own message limit is about 28 KB). */
  maxMessageChars: number;
  /** Largest JSON payload GreenLight stores or sends. */
  maxPayloadBytes: number;
  /** Endpoints per page of the list card. */
  pageSize: number;
  /** Characters of a scoring response shown before truncating. */
  responsePreviewChars: number;
  /** Characters of log text shown before truncating. */
  logPreviewChars: number;
  /** Audit entries shown. */
  auditEntries: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxMessageChars: 28 * 1024,
  maxPayloadBytes: 256 * 1024,
  pageSize: 10,
  responsePreviewChars: 3000,
  logPreviewChars: 12_000,
  auditEntries: 20,
};

/** Everything a command handler may use. */
export interface CommandContext {
  caller: Caller;
  roles: Role[];
  roleBook: RoleBook;
  workspace: Workspace;
  store: Store;
  clock: Clock;
  limits: Limits;
  correlationId: string;
}
