import { timingSafeEqual } from "node:crypto";
import type { StoredEndpoint } from "../state/resources.js";

/** Whether the Authorization header carries a credential this endpoint accepts. */
export function isAuthorized(endpoint: StoredEndpoint, authorization: string | undefined, nowS: number): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  const presented = match?.[1];
  if (!presented) return false;
  switch (endpoint.authMode) {
    case "Key": {
      const keys = keyBuffers(endpoint.keys);
      const given = Buffer.from(presented);
      return keys.some((k) => k.length === given.length && timingSafeEqual(k, given));
    }
    case "AMLToken":
      return endpoint.tokens.some((t) => t.expiresAt > nowS && safeEqual(presented, t.token));
    case "AADToken":
      // No Entra ID offline: accept an unexpired JWT for the Azure ML audience; the signature cannot be checked here.
      return isMlAudienceJwt(presented, nowS);
  }
}

// Keyed by the keys object, which regenerateKeys replaces: a rotated key never matches from a stale cache.
const keyCache = new WeakMap<StoredEndpoint["keys"], Buffer[]>();

function keyBuffers(keys: StoredEndpoint["keys"]): Buffer[] {
  let buffers = keyCache.get(keys);
  if (!buffers) {
    buffers = [Buffer.from(keys.primaryKey), Buffer.from(keys.secondaryKey)];
    keyCache.set(keys, buffers);
  }
  return buffers;
}

function safeEqual(a: string, b: string): boolean {
  // Keys are ASCII, so string length is byte length: a length mismatch needs no buffers (and leaks only the length).
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
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
