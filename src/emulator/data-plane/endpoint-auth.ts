import type { StoredEndpoint } from "../state/resources.js";

const BEARER = "Bearer ";
const BEARER_PATTERN = /^Bearer\s+(\S+)$/i;

/** Whether the Authorization header carries a credential this endpoint accepts. */
export function isAuthorized(endpoint: StoredEndpoint, authorization: string | undefined, nowS: () => number): boolean {
  if (authorization === undefined) return false;
  const at = tokenStart(authorization);
  if (at < 0) return false;
  switch (endpoint.authMode) {
    case "Key":
      return (
        safeEqualAt(authorization, at, endpoint.keys.primaryKey) ||
        safeEqualAt(authorization, at, endpoint.keys.secondaryKey)
      );
    case "AMLToken": {
      const presented = authorization.slice(at);
      const now = nowS();
      return endpoint.tokens.some((t) => t.expiresAt > now && safeEqualAt(presented, 0, t.token));
    }
    case "AADToken":
      // No Entra ID offline: accept an unexpired JWT for the Azure ML audience; the signature cannot be checked here.
      return isMlAudienceJwt(authorization.slice(at), nowS());
  }
}

/**
 * Where the token of `Bearer <token>` starts, or -1 when the header is not of that form. The usual spelling is
 * checked in place, and the token compared where it stands: a regex match and a sliced copy of the token cost more
 * than the whole check, on every scoring request.
 */
function tokenStart(authorization: string): number {
  if (authorization.length > BEARER.length && authorization.startsWith(BEARER)) {
    let i = BEARER.length;
    while (i < authorization.length && !isRegexSpace(authorization.charCodeAt(i))) i++;
    if (i === authorization.length) return BEARER.length;
  }
  const token = BEARER_PATTERN.exec(authorization)?.[1];
  return token === undefined ? -1 : authorization.length - token.length;
}

/** The characters `\s` matches in a regex without the u flag. */
function isRegexSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/**
 * Whether `text` from `at` on is `expected`, compared without stopping at the first difference, so the time taken
 * does not say how much of a guess was right. Char codes rather than buffers: this runs on every scoring request.
 */
function safeEqualAt(text: string, at: number, expected: string): boolean {
  if (text.length - at !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= text.charCodeAt(at + i) ^ expected.charCodeAt(i);
  return difference === 0;
}

function isMlAudienceJwt(token: string, nowS: number): boolean {
  const payload = token.split(".")[1];
  if (!payload) return false;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { aud?: unknown; exp?: unknown };
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const expired = typeof claims.exp === "number" && claims.exp <= nowS;
    return !expired && audiences.some((a) => typeof a === "string" && a.replace(/\/$/, "") === "https://ml.azure.com");
  } catch {
    return false;
  }
}
