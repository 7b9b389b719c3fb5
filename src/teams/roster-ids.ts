import { TeamsInfo, type TurnContext } from "botbuilder";
import { BoundedCache } from "./bounded-cache.js";

const FOUND_MS = 10 * 60 * 1000;
// A person missing from a team is not looked up again at every card update.
const MISSING_MS = 60 * 1000;
const MAX_PEOPLE = 5_000;

/**
 * Teams user ids of people the roles file names by Entra object id or UPN, looked up in the roster of the
 * conversation at hand (Teams' get-member takes either) and cached: a card update must not cost a roster call per
 * approver.
 */
export class RosterIds {
  private readonly cache = new BoundedCache<string, { id: string | undefined }>(MAX_PEOPLE);

  async teamsIdOf(ctx: TurnContext, directoryId: string): Promise<string | undefined> {
    const conversation = ctx.activity.conversation?.id ?? "";
    const team = conversation.split(";")[0] ?? conversation;
    const key = `${team}|${directoryId.toLowerCase()}`;
    const cached = this.cache.get(key);
    if (cached) return cached.id;
    try {
      const member = await TeamsInfo.getMember(ctx, directoryId);
      this.cache.set(key, { id: member.id || undefined }, FOUND_MS);
      return member.id || undefined;
    } catch {
      this.cache.set(key, { id: undefined }, MISSING_MS);
      return undefined;
    }
  }
}
