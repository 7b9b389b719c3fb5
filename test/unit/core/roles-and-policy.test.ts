import { describe, expect, it } from "vitest";
import { isAllowed, POLICY, type Action } from "../../../src/core/commands/policy.js";
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
  "plan",
  "rollout.view",
  "deletion.view",
];
const DECIDE: Action[] = [
  "rollout.approve",
  "rollout.reject",
  "rollout.retire",
  "rollout.resume",
  "continue",
  "deletion.approve",
  "deletion.reject",
];
/** What each role alone may do, written out (not derived from POLICY), so a loosened or emptied policy fails. */
const MAY: Record<Role | "a user with no roles", Action[]> = {
  "a user with no roles": ["help", "whoami"],
  viewer: READ,
  approver: [...READ, ...DECIDE],
  operator: [...READ, "sample.add", "invoke", "logs", "deploy", "rollback", "rollout.restore", "continue"],
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
    "rollout.end_bake",
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
    expect(new RoleBook([{ user: "00000000-0000-0000-0000-0000000000aa", roles: ["operator"] }]).needsUpn()).toBe(
      false,
    );
  });

  it("adds up the roles of a person named both by object id and by UPN", () => {
    const both = new RoleBook([
      { user: "00000000-0000-0000-0000-0000000000aa", name: "Alex", roles: ["operator"] },
      { user: "alex@contoso.example", name: "Alex", roles: ["approver", "admin"] },
    ]);
    const alex = {
      id: "1",
      name: "A",
      aadObjectId: "00000000-0000-0000-0000-0000000000aa",
      upn: "alex@contoso.example",
    };
    expect(both.rolesOf(alex)).toEqual(["operator", "approver", "admin"]);
    expect(both.holdersOf("approver")).toEqual(["Alex"]);
  });

  it("gives no role at all to people of a tenant it does not serve, and says why", () => {
    const served = new RoleBook(
      [{ user: "00000000-0000-0000-0000-0000000000aa", name: "Alex", roles: ["admin"] }],
      ["viewer"],
      { kind: "list", tenants: ["AAAAAAAA-0000-4000-8000-000000000001"] },
    );
    const alex = { id: "1", name: "A", aadObjectId: "00000000-0000-0000-0000-0000000000aa" };
    expect(served.rolesOf({ ...alex, tenantId: "aaaaaaaa-0000-4000-8000-000000000001" })).toEqual(["admin"]);
    expect(served.rolesOf({ ...alex, tenantId: "bbbbbbbb-0000-4000-8000-000000000002" })).toEqual([]);
    expect(served.rolesOf({ id: "2", name: "Z", tenantId: "bbbbbbbb-0000-4000-8000-000000000002" })).toEqual([]);
    expect(served.rolesOf(alex)).toEqual([]);
    expect(served.outsider({ ...alex, tenantId: "bbbbbbbb-0000-4000-8000-000000000002" })).toContain(
      "tenant bbbbbbbb-0000-4000-8000-000000000002) is not one of them",
    );
    expect(served.outsider(alex)).toContain("Teams did not say which organization you are in");
  });

  it("gives unknown users the default roles, and none when configured so", () => {
    expect(book.rolesOf({ id: "3", name: "Z" })).toEqual(["viewer"]);
    expect(new RoleBook([], []).rolesOf({ id: "3", name: "Z" })).toEqual([]);
  });

  it("covers exactly these actions", () => {
    expect(Object.keys(POLICY).sort()).toEqual([
      "audit",
      "continue",
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
      "plan",
      "rollback",
      "rollout.approve",
      "rollout.end_bake",
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
