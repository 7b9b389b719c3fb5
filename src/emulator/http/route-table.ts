/** A small method + path matcher. Literal segments match case-insensitively, as ARM paths do. */
export interface Route<H> {
  method: string;
  segments: string[];
  handler: H;
}

export class RouteTable<H> {
  private readonly routes: Route<H>[] = [];

  add(method: string, pattern: string, handler: H): this {
    this.routes.push({ method, segments: pattern.split("/").filter(Boolean), handler });
    return this;
  }

  /** The handler and path parameters; `methodNotAllowed` when the path exists under another verb. */
  match(
    method: string,
    pathSegments: string[],
  ): { handler: H; params: Record<string, string> } | "methodNotAllowed" | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, pathSegments);
      if (!params) continue;
      if (route.method === method) return { handler: route.handler, params };
      pathMatched = true;
    }
    return pathMatched ? "methodNotAllowed" : undefined;
  }
}

function matchSegments(pattern: string[], path: string[]): Record<string, string> | undefined {
  if (pattern.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] ?? "";
    const s = path[i] ?? "";
    if (p.startsWith(":")) params[p.slice(1)] = s;
    else if (p.toLowerCase() !== s.toLowerCase()) return undefined;
  }
  return params;
}

/** Splits a URL path into decoded segments. */
export function pathSegments(pathname: string): string[] {
  return pathname
    .split("/")
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}
