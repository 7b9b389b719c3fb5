import type { StoredEndpoint } from "../state/resources.js";

/** Whether the Authorization header carries a credential this endpoint accepts. */
export function isAuthorized(endpoint: StoredEndpoint, authorization: string | undefined, nowS: number): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  const presented = match?.[1];
  if (!presented) return false;
  switch (endpoint.authMode) {
    case "Key":
      return safeEqual(presented, endpoint.keys.primaryKey) || safeEqual(presented, endpoint.keys.secondaryKey);
    case "AMLToken":
      return endpoint.tokens.some((t) => t.expiresAt > nowS && safeEqual(presented, t.token));
    case "AADToken":
      // No Entra ID offline: accept an unexpired JWT for the Azure ML audience; the signature cannot be checked here.
      return isMlAudienceJwt(presented, nowS);
  }
}

/**
 * Compares without stopping at the first difference, so the time taken does not say how much of a guess was right.
 * Char codes rather than buffers: this runs on every scoring request.
 */
function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
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
