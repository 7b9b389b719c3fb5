import type { AttachedFile } from "../core/vocabulary/command.js";
import { err, ok, type Result } from "../ports/result.js";

const FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info";
const DOWNLOAD_TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 3;

/** Where attached files may be downloaded from. */
export interface AttachmentPolicy {
  /** Hosts Teams serves files from: exact names, or `*.sharepoint.com` for any subdomain. */
  hosts: readonly string[];
  /** Local mode: also the activity's own connector when it runs on this machine (the Playground, a test connector). */
  allowLoopbackConnector: boolean;
}

/** The hosts Teams stores chat and channel files on (SharePoint and OneDrive for Business, in each Microsoft cloud). */
export const TEAMS_FILE_HOSTS = ["*.sharepoint.com", "*.sharepoint.us", "*.sharepoint-mil.us", "*.sharepoint.cn"];

interface IncomingAttachment {
  contentType?: unknown;
  contentUrl?: unknown;
  name?: unknown;
  content?: unknown;
}

/**
 * The first JSON file attached to a message — a Teams file (download info with a pre-authorised URL) or a generic
 * attachment with a `contentUrl` — as a file core can ask to read. Nothing is fetched here: core reads it only for a
 * command that takes a payload, after the policy allowed the caller. Teams' HTML copy of the message is skipped.
 */
export function attachedJson(
  attachments: readonly IncomingAttachment[] | undefined,
  serviceUrl: string | undefined,
  policy: AttachmentPolicy,
  maxBytes: number,
): AttachedFile | undefined {
  const file = (attachments ?? []).find(
    (a) =>
      a.contentType === FILE_DOWNLOAD_INFO ||
      ((a.contentType === "application/json" ||
        (typeof a.name === "string" && a.name.toLowerCase().endsWith(".json"))) &&
        typeof a.contentUrl === "string"),
  );
  if (!file) return undefined;
  const name = typeof file.name === "string" && file.name ? file.name.slice(0, 200) : "attachment";
  const content = (typeof file.content === "object" && file.content !== null ? file.content : {}) as {
    downloadUrl?: unknown;
    fileType?: unknown;
  };
  const fileType = typeof content.fileType === "string" ? content.fileType.toLowerCase() : undefined;
  const url = file.contentType === FILE_DOWNLOAD_INFO ? content.downloadUrl : file.contentUrl;
  return {
    name,
    read: async () => {
      if (file.contentType === FILE_DOWNLOAD_INFO && fileType !== undefined && fileType !== "json") {
        return err(`it is a .${fileType.slice(0, 10)} file, not .json`);
      }
      if (typeof url !== "string") return err("it has no download link");
      return download(url, allowedHost(policy, serviceUrl), maxBytes);
    },
  };
}

/** Whether a URL may be fetched: https on an allowed host, or (local mode) the message's own loopback connector. */
function allowedHost(policy: AttachmentPolicy, serviceUrl: string | undefined): (url: URL) => boolean {
  const connector = serviceUrl ? safeUrl(serviceUrl) : undefined;
  const localConnector =
    policy.allowLoopbackConnector && connector && isLoopback(connector.hostname) ? connector.origin : undefined;
  return (url) => {
    if (localConnector !== undefined && url.origin === localConnector) return true;
    if (url.protocol !== "https:" || url.username || url.password) return false;
    return isListedHost(policy.hosts, url.hostname);
  };
}

/**
 * Whether `hostname` is on the list: an exact name, or for `*.domain` any name under that domain, at any depth
 * (`a.b.domain`), but not `domain` itself and not a name that merely ends in its letters (`evildomain`).
 */
export function isListedHost(hosts: readonly string[], hostname: string): boolean {
  const host = hostname.toLowerCase();
  return hosts.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.startsWith("*.") ? host.endsWith(p.slice(1)) && host.length > p.length - 1 : host === p;
  });
}

/** GETs a file without following a redirect to a host that is not allowed, with a time and a size limit. */
async function download(
  start: string,
  allowed: (url: URL) => boolean,
  maxBytes: number,
): Promise<Result<string, string>> {
  let url = safeUrl(start);
  const deadline = AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS);
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      if (!url || !allowed(url)) {
        return err(
          hop === 0
            ? "GreenLight downloads only files that Teams stores; that link points elsewhere"
            : "its download was redirected to a host GreenLight does not download from",
        );
      }
      const response = await fetch(url, { redirect: "manual", signal: deadline });
      if (response.status >= 300 && response.status < 400) {
        const location = response.headers.get("location");
        await response.body?.cancel();
        url = location ? safeUrl(location, url) : undefined;
        continue;
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        return err(`the download failed with status ${response.status}`);
      }
      return await readCapped(response.body, maxBytes);
    }
    return err("its download was redirected too many times");
  } catch (error) {
    return err(
      error instanceof Error && error.name === "TimeoutError" ? "the download timed out" : "the download failed",
    );
  }
}

async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Result<string, string>> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await body.cancel().catch(() => undefined);
      return err(`it is larger than ${Math.floor(maxBytes / 1024)} KB`);
    }
    chunks.push(chunk);
  }
  return ok(Buffer.concat(chunks).toString("utf8"));
}

function safeUrl(value: string, base?: URL): URL | undefined {
  try {
    return new URL(value, base);
  } catch {
    return undefined;
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}
