import { describe, expect, it } from "vitest";
import { isAllowed, POLICY } from "../../../src/core/access/policy.js";
import { RoleBook } from "../../../src/core/access/roles.js";

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

  it("gives unknown users the default roles, and none when configured so", () => {
    expect(book.rolesOf({ id: "3", name: "Z" })).toEqual(["viewer"]);
    expect(new RoleBook([], []).rolesOf({ id: "3", name: "Z" })).toEqual([]);
  });

  it("keeps invoking and logs for operators, and reading for everyone", () => {
    expect(isAllowed("invoke", ["viewer"])).toBe(false);
    expect(isAllowed("invoke", ["operator"])).toBe(true);
    expect(isAllowed("logs", ["approver"])).toBe(false);
    expect(isAllowed("endpoints", ["viewer"])).toBe(true);
    expect(isAllowed("endpoints", [])).toBe(false);
    expect(Object.keys(POLICY).length).toBeGreaterThanOrEqual(10);
  });

  it("lets a user with no roles at all ask for help and see who they are, and nothing else", () => {
    expect(isAllowed("help", [])).toBe(true);
    expect(isAllowed("whoami", [])).toBe(true);
    expect(isAllowed("show", [])).toBe(false);
  });

  it("says who holds a role", () => {
    expect(book.holdersOf("approver")).toEqual(["Megan"]);
  });
});
