/**
 * One condition of a `$filter` on one dimension: `eq` any of `values`, `ne` or `sw` (starts with) its one value.
 * Dimension names and values compare case-insensitively, as Azure Monitor's do.
 */
export interface DimensionCondition {
  /** As the filter spells it. */
  dimension: string;
  operator: "eq" | "ne" | "sw";
  /** Lower case. */
  values: string[];
}

/** A parsed `$filter`: the conditions every series meets, and the dimensions it is split by (`eq '*'`), in order. */
export interface MetricFilter {
  conditions: DimensionCondition[];
  splits: string[];
}

export type FilterParse = { ok: true; filter: MetricFilter } | { ok: false; message: string };

const OPERATORS = new Set(["eq", "ne", "sw"]);
const TOKEN = /\s*(\(|\)|'(?:[^']|'')*'|[^\s()']+)/y;

/**
 * Parses the metrics API's `$filter` grammar (reference §2.3): clauses `dimension op 'value'` joined by `and`, and by
 * `or` between values of one dimension only (`A eq 'a1' and B eq 'b1' or B eq 'b2' and C eq '*'`). `or` binds
 * tighter than `and`; parentheses change nothing in this grammar and are skipped.
 */
export function parseFilter(text: string): FilterParse {
  const tokens = tokenize(text);
  if (!tokens) return refuse(`The $filter '${text}' could not be read: check its quotes.`);
  const groups: Clause[][] = [[]];
  let i = 0;
  while (i < tokens.length) {
    const name: string[] = [];
    while (i < tokens.length && !OPERATORS.has(tokens[i]?.toLowerCase() ?? "")) name.push(tokens[i++] ?? "");
    const operator = tokens[i++]?.toLowerCase() as Clause["operator"] | undefined;
    const quoted = tokens[i++];
    if (name.length === 0 || !operator || !quoted?.startsWith("'")) {
      return refuse(`The $filter '${text}' is not valid: write clauses as dimension eq 'value', joined by and/or.`);
    }
    groups.at(-1)?.push({ dimension: name.join(" "), operator, value: quoted.slice(1, -1).replaceAll("''", "'") });
    const joiner = tokens[i++]?.toLowerCase();
    if (joiner === "and") groups.push([]);
    else if (joiner !== "or" && joiner !== undefined) {
      return refuse(`The $filter '${text}' is not valid: '${joiner}' where and/or was expected.`);
    }
    if (joiner !== undefined && i >= tokens.length) return refuse(`The $filter '${text}' ends with '${joiner}'.`);
  }
  return combine(groups);
}

interface Clause {
  dimension: string;
  operator: "eq" | "ne" | "sw";
  value: string;
}

function combine(groups: Clause[][]): FilterParse {
  const conditions: DimensionCondition[] = [];
  const splits: string[] = [];
  for (const group of groups) {
    const first = group[0];
    if (!first) continue;
    const dimension = first.dimension;
    if (group.some((c) => c.dimension.toLowerCase() !== dimension.toLowerCase())) {
      return refuse(`The logical or operator cannot separate different dimension names (${describe(group)}).`);
    }
    if (group.length > 1 && group.some((c) => c.operator !== "eq")) {
      return refuse(`Only 'eq' operator are supported for 'or' clause (${describe(group)}).`);
    }
    if (first.operator === "eq" && group.some((c) => c.value === "*")) {
      if (!splits.some((s) => s.toLowerCase() === dimension.toLowerCase())) splits.push(dimension);
      continue;
    }
    conditions.push({ dimension, operator: first.operator, values: group.map((c) => c.value.toLowerCase()) });
  }
  return { ok: true, filter: { conditions, splits } };
}

/** Whether a dimension's value meets a condition. */
export function meets(condition: DimensionCondition, value: string): boolean {
  const v = value.toLowerCase();
  const first = condition.values[0] ?? "";
  switch (condition.operator) {
    case "eq":
      return condition.values.includes(v);
    case "ne":
      return v !== first;
    case "sw":
      return v.startsWith(first);
  }
}

function tokenize(text: string): string[] | undefined {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (text.slice(TOKEN.lastIndex).trim() === "") break;
    const match = TOKEN.exec(text);
    if (!match?.[1]) return undefined;
    if (match[1] !== "(" && match[1] !== ")") tokens.push(match[1]);
  }
  return tokens;
}

const describe = (group: Clause[]): string =>
  group.map((c) => `${c.dimension} ${c.operator} '${c.value}'`).join(" or ");
const refuse = (message: string): FilterParse => ({ ok: false, message });
