import { timingSafeEqual } from "node:crypto";
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

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
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
