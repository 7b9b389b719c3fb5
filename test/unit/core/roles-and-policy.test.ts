import { describe, expect, it } from "vitest";
import { isAllowed, POLICY, type Action } from "../../../src/core/access/policy.js";
import { RoleBook, type Role } from "../../../src/core/access/roles.js";

const READ: Action[] = [
  "help",
  "whoami",
  "endpoints",
  "show",
  "models",
  "samples",
  "audit",
  "status",
  "rollout.view",
  "deletion.view",
];
const DECIDE: Action[] = [
  "rollout.approve",
  "rollout.reject",
  "rollout.retire",
  "rollout.resume",
  "deletion.approve",
  "deletion.reject",
];
/** What each role alone may do, written out (not derived from POLICY), so a loosened or emptied policy fails. */
const MAY: Record<Role | "a user with no roles", Action[]> = {
  "a user with no roles": ["help", "whoami"],
  viewer: READ,
  approver: [...READ, ...DECIDE],
  operator: [...READ, "sample.add", "invoke", "logs", "deploy", "rollback", "rollout.restore"],
  admin: [
    ...READ,
    "sample.add",
    "invoke",
    "logs",
    "deploy",
    "rollback",
    "rollout.restore",
    ...DECIDE,
    "rollout.override",
    "subscribe",
    "unsubscribe",
    "subscriptions",
    "delete",
    "samples.remove",
  ],
};

describe("roles and the policy table", () => {
  const book = new RoleBook([
    { user: "00000000-0000-0000-0000-0000000000aa", name: "Alex", roles: ["operator"] },
    { user: "megan@contoso.example", name: "Megan", roles: ["approver"] },
  ]);

  it("finds a user by Entra object id or by UPN, case-insensitively", () => {
    expect(book.rolesOf({ id: "1", name: "A", aadObjectId: "00000000-0000-0000-0000-0000000000AA" })).toEqual([
      "operator",
    ]);
    expect(book.rolesOf({ id: "2", name: "M", upn: "Megan@Contoso.example" })).toEqual(["approver"]);
  });

  it("matches an object id only against object-id entries, and a UPN only against UPN entries", () => {
    // An activity may claim any aadObjectId; one shaped like Megan's UPN is nobody's object id.
    expect(book.rolesOf({ id: "4", name: "X", aadObjectId: "megan@contoso.example" })).toEqual(["viewer"]);
    expect(book.rolesOf({ id: "5", name: "Y", upn: "00000000-0000-0000-0000-0000000000aa" })).toEqual(["viewer"]);
    expect(book.needsUpn()).toBe(true);
    expect(new RoleBook([{ user: "00000000-0000-0000-0000-0000000000aa", roles: ["operator"] }]).needsUpn()).toBe(false);
  });

  it("gives unknown users the default roles, and none when configured so", () => {
    expect(book.rolesOf({ id: "3", name: "Z" })).toEqual(["viewer"]);
    expect(new RoleBook([], []).rolesOf({ id: "3", name: "Z" })).toEqual([]);
  });

  it("covers exactly these actions", () => {
    expect(Object.keys(POLICY).sort()).toEqual([
      "audit",
      "delete",
      "deletion.approve",
      "deletion.reject",
      "deletion.view",
      "deploy",
      "endpoints",
      "help",
      "invoke",
      "logs",
      "models",
      "rollback",
      "rollout.approve",
      "rollout.override",
      "rollout.reject",
      "rollout.restore",
      "rollout.resume",
      "rollout.retire",
      "rollout.view",
      "sample.add",
      "samples",
      "samples.remove",
      "show",
      "status",
      "subscribe",
      "subscriptions",
      "unsubscribe",
      "whoami",
    ]);
  });

  it.each(Object.entries(MAY))("lets %s do exactly what the table says", (holder, actions) => {
    const roles: Role[] = holder === "a user with no roles" ? [] : [holder as Role];
    const allowed = (Object.keys(POLICY) as Action[]).filter((action) => isAllowed(action, roles));

    expect(allowed.sort()).toEqual([...actions].sort());
  });

  it("needs only one of the caller's roles to allow an action", () => {
    expect(isAllowed("invoke", ["viewer", "approver"])).toBe(false);
    expect(isAllowed("invoke", ["viewer", "operator"])).toBe(true);
  });

  it("says who holds a role", () => {
    expect(book.holdersOf("approver")).toEqual(["Megan"]);
  });
});
