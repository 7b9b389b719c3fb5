import { TeamsInfo, type TurnContext } from "botbuilder";
import type { Caller, RoleBook } from "../core/access/roles.js";

const CACHE_MS = 10 * 60 * 1000;

/**
 * Who sent an activity. Teams gives the Entra object id on every activity; the UPN needs a roster call, made only
 * when the roles file does not already know the object id, and cached.
 */
export class CallerDirectory {
  private readonly upns = new Map<string, { upn: string | undefined; at: number }>();

  constructor(private readonly roleBook: RoleBook) {}

  async resolve(ctx: TurnContext): Promise<Caller> {
    const from = ctx.activity.from;
    const caller: Caller = {
      id: from.id,
      name: from.name || from.id,
      ...(from.aadObjectId ? { aadObjectId: from.aadObjectId } : {}),
    };
    if (this.roleBook.isKnown(caller)) return caller;
    const upn = await this.upnOf(ctx, from.id);
    return upn ? { ...caller, upn } : caller;
  }

  private async upnOf(ctx: TurnContext, userId: string): Promise<string | undefined> {
    const cached = this.upns.get(userId);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.upn;
    let upn: string | undefined;
    try {
      upn = (await TeamsInfo.getMember(ctx, userId)).userPrincipalName || undefined;
    } catch {
      // Outside Teams (or without roster access) there is no UPN; the object id still works.
      upn = undefined;
    }
    this.upns.set(userId, { upn, at: Date.now() });
    return upn;
  }
}
