import { hasNewerProperty } from "./api-versions.js";

/**
 * The properties a PUT keeps beyond those the local workspace stores in typed fields: every other one it was sent
 * that its api-version has, as sent; and those it cannot have (newer than its api-version) as they were, since a client
 * on an older version cannot send them (like mirrorTraffic on endpoints). `typed` lists the stored and read-only ones;
 * `since` the newer properties the local workspace knows (see {@link hasNewerProperty}).
 */
export function extraProperties(
  sent: Record<string, unknown>,
  apiVersion: string,
  previous: Record<string, unknown> | undefined,
  typed: ReadonlySet<string>,
  since: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const newer = (name: string): boolean => hasNewerProperty(name, apiVersion, since);
  const kept = Object.entries(sent).filter(([name, value]) => !typed.has(name) && value != null && newer(name));
  const unseen = Object.entries(previous ?? {}).filter(([name]) => !newer(name));
  return Object.fromEntries([...unseen, ...kept]);
}

/** The extra properties a GET at `apiVersion` shows: those its shape has. */
export function visibleProperties(
  extra: Record<string, unknown> | undefined,
  apiVersion: string,
  since: Readonly<Record<string, string>>,
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(extra ?? {}).filter(([name]) => hasNewerProperty(name, apiVersion, since)));
}
