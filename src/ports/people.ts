/**
 * Someone who asked for, approved or decided something, as stored with it and as the audit log names them.
 *
 * Teams' user id (`id`) is how Teams addresses a person in one app, not who they are: the same person can reach
 * GreenLight under more than one. Separation of duties compares the stable identity instead — the Entra object id
 * Teams puts on every activity, or the UPN the Teams roster gives (core/access/identity.ts).
 */
export interface Person {
  /** Teams user id (`29:…`, the Playground's `user-…`): where to reach them, and their @mention. */
  id: string;
  name: string;
  /** Entra object id, from the activity. */
  aadObjectId?: string;
  /** Entra tenant the activity came from. */
  tenantId?: string;
  /** User principal name, from the Teams roster (never from the activity, which anyone could forge locally). */
  upn?: string;
}
