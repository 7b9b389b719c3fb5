import { TeamsInfo, type TurnContext } from "botbuilder";
import type { Caller, RoleBook } from "../core/access/roles.js";
import { errorText, type Logger } from "../logger.js";
import { BoundedCache } from "./bounded-cache.js";

const FOUND_MS = 10 * 60 * 1000;
// A failed roster call is retried soon: it may be a blip, and meanwhile UPN-configured users lack their roles.
const FAILED_MS = 30 * 1000;
const MAX_USERS = 10_000;

type Lookup = { upn: string | undefined } | { failed: true };

/**
 * Who sent an activity. Teams gives the Entra object id on every activity; the UPN comes only from the roster (an
 * activity's own fields can be forged in local mode), looked up once per user and cached.
 */
export class CallerDirectory {
  private readonly upns: BoundedCache<string, Lookup>;

  constructor(
    private readonly roleBook: RoleBook,
    private readonly log: Logger,
    now: () => number,
  ) {
    this.upns = new BoundedCache<string, Lookup>(MAX_USERS, now);
  }

  async resolve(
    ctx: TurnContext,
    from: { id: string; name: string; aadObjectId?: string; tenantId?: string },
  ): Promise<Caller> {
    const caller: Caller = {
      id: from.id,
      name: from.name,
      ...(from.aadObjectId ? { aadObjectId: from.aadObjectId } : {}),
      ...(from.tenantId ? { tenantId: from.tenantId } : {}),
    };
    const lookup = await this.upnOf(ctx, from.id);
    if ("upn" in lookup) return lookup.upn ? { ...caller, upn: lookup.upn } : caller;
    if (!this.roleBook.needsUpn()) return caller;
    return {
      ...caller,
      directoryProblem:
        "GreenLight could not read your account from the Teams roster just now, so roles given to you by user " +
        "principal name in the roles file are missing. Try again in a minute; if it persists, tell the platform team.",
    };
  }

  private async upnOf(ctx: TurnContext, userId: string): Promise<Lookup> {
    const cached = this.upns.get(userId);
    if (cached) return cached;
    let lookup: Lookup;
    try {
      lookup = { upn: (await TeamsInfo.getMember(ctx, userId)).userPrincipalName || undefined };
      this.upns.set(userId, lookup, FOUND_MS);
    } catch (error) {
      lookup = { failed: true };
      this.log.warn("the Teams roster look-up failed; UPN roles cannot apply to this user until it works", {
        userId,
        error: errorText(error),
      });
      this.upns.set(userId, lookup, FAILED_MS);
    }
    return lookup;
  }
}
