import type { Attachment } from "botbuilder";
import type { AttachedFile } from "../core/commands/parse-command.js";

const FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info";
const DOWNLOAD_TIMEOUT_MS = 10_000;

/**
 * Reads the first JSON file attached to a message: a Teams file (download info with a pre-authorised URL) or a
 * generic attachment with a `contentUrl`. Teams' own HTML copy of the message is not a file and is skipped.
 */
export async function readAttachedJson(
  attachments: readonly Attachment[] | undefined,
  maxBytes: number,
): Promise<AttachedFile | undefined> {
  const file = (attachments ?? []).find(
    (a) =>
      a.contentType === FILE_DOWNLOAD_INFO ||
      ((a.contentType === "application/json" || a.name?.toLowerCase().endsWith(".json")) && a.contentUrl),
  );
  if (!file) return undefined;
  const name = file.name ?? "attachment";
  const content = file.content as { downloadUrl?: string; fileType?: string } | undefined;
  if (file.contentType === FILE_DOWNLOAD_INFO && content?.fileType && content.fileType.toLowerCase() !== "json") {
    return { name, error: `it is a .${content.fileType} file, not .json` };
  }
  const url = file.contentType === FILE_DOWNLOAD_INFO ? content?.downloadUrl : file.contentUrl;
  if (!url || !/^https?:\/\//.test(url)) return { name, error: "it has no download link" };
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
    if (!response.ok || !response.body) return { name, error: `download failed with status ${response.status}` };
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > maxBytes) return { name, error: `it is larger than ${Math.floor(maxBytes / 1024)} KB` };
      chunks.push(chunk);
    }
    return { name, text: Buffer.concat(chunks).toString("utf8") };
  } catch (error) {
    return {
      name,
      error: error instanceof Error && error.name === "TimeoutError" ? "the download timed out" : "the download failed",
    };
  }
}
