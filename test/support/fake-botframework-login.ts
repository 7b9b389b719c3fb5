// A local stand-in for login.botframework.com's OpenID metadata and signing keys, so Bot Framework auth can be tested
// without the network: botbuilder fetches and verifies with its own code, only the key set is ours.
import { createPrivateKey, createSign, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { createRequire } from "node:module";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** The URL botbuilder reads channel signing keys from (AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl). */
const CHANNEL_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration";

/**
 * Where botbuilder reads the signing keys of tokens whose issuer is the Bot Framework Emulator's
 * (AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl): a host a caller can make the bot contact by choosing
 * the token's issuer.
 */
export const EMULATOR_METADATA_URL = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration";
/** One of the issuers botbuilder takes for an Emulator token (ToBotFromBotOrEmulatorTokenValidationParameters). */
export const EMULATOR_ISSUER = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/";

interface MetadataCache {
  openIdMetadataCache: Map<string, unknown>;
}

export interface SignedTokenOptions {
  appId: string;
  serviceUrl: string;
  /** Defaults to the Bot Framework channel issuer. */
  issuer?: string;
  /** Signs with this key instead of the published one (a forgery); its kid is still the published one. */
  signWith?: KeyObject;
  /** Overrides the header's kid. */
  kid?: string;
}

/** Serves an OpenID configuration and a JWKS with one RSA key, and points botbuilder's key cache at it. */
export class FakeBotFrameworkLogin {
  readonly kid = randomBytes(8).toString("hex");
  private readonly privateKey: KeyObject;
  private readonly jwk: Record<string, unknown>;
  private server: Server | undefined;
  private previous: unknown;
  private readonly cutOffUrls = new Map<string, unknown>();

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.jwk = {
      ...publicKey.export({ format: "jwk" }),
      kid: this.kid,
      kty: "RSA",
      use: "sig",
      endorsements: ["msteams"],
    };
  }

  /** Starts the server and makes botbuilder's channel-token validation read keys from it. */
  async install(): Promise<void> {
    this.server = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/v1/.well-known/openidconfiguration") {
        res.end(JSON.stringify({ issuer: "https://api.botframework.com", jwks_uri: `${this.url}/v1/keys` }));
      } else if (req.url === "/v1/keys") {
        res.end(JSON.stringify({ keys: [this.jwk] }));
      } else {
        res.statusCode = 404;
        res.end("{}");
      }
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", () => resolve()));
    const require = createRequire(import.meta.url);
    const { JwtTokenExtractor } = require("botframework-connector/lib/auth/jwtTokenExtractor.js") as {
      JwtTokenExtractor: MetadataCache;
    };
    const { OpenIdMetadata } = require("botframework-connector/lib/auth/openIdMetadata.js") as {
      OpenIdMetadata: new (url: string) => unknown;
    };
    this.previous = JwtTokenExtractor.openIdMetadataCache.get(CHANNEL_METADATA_URL);
    JwtTokenExtractor.openIdMetadataCache.set(
      CHANNEL_METADATA_URL,
      new OpenIdMetadata(`${this.url}/v1/.well-known/openidconfiguration`),
    );
  }

  async uninstall(): Promise<void> {
    const require = createRequire(import.meta.url);
    const { JwtTokenExtractor } = require("botframework-connector/lib/auth/jwtTokenExtractor.js") as {
      JwtTokenExtractor: MetadataCache;
    };
    if (this.previous) JwtTokenExtractor.openIdMetadataCache.set(CHANNEL_METADATA_URL, this.previous);
    else JwtTokenExtractor.openIdMetadataCache.delete(CHANNEL_METADATA_URL);
    for (const [url, previous] of this.cutOffUrls) {
      if (previous) JwtTokenExtractor.openIdMetadataCache.set(url, previous);
      else JwtTokenExtractor.openIdMetadataCache.delete(url);
    }
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * Until uninstall, botbuilder's key look-up at `metadataUrl` fails as it does for a host that cannot be reached
   * (it is pointed at a local port nobody listens on), whatever this machine's network allows.
   */
  async cutOff(metadataUrl: string): Promise<void> {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const require = createRequire(import.meta.url);
    const { JwtTokenExtractor } = require("botframework-connector/lib/auth/jwtTokenExtractor.js") as {
      JwtTokenExtractor: MetadataCache;
    };
    const { OpenIdMetadata } = require("botframework-connector/lib/auth/openIdMetadata.js") as {
      OpenIdMetadata: new (url: string) => unknown;
    };
    if (!this.cutOffUrls.has(metadataUrl)) {
      this.cutOffUrls.set(metadataUrl, JwtTokenExtractor.openIdMetadataCache.get(metadataUrl));
    }
    JwtTokenExtractor.openIdMetadataCache.set(
      metadataUrl,
      new OpenIdMetadata(`http://127.0.0.1:${port}/common/v2.0/.well-known/openid-configuration`),
    );
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  /** A channel token as the Bot Framework would issue it; with `signWith`, a forgery that reuses the real kid. */
  token(options: SignedTokenOptions): string {
    const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const header = b64({ alg: "RS256", typ: "JWT", kid: options.kid ?? this.kid, x5t: options.kid ?? this.kid });
    const payload = b64({
      iss: options.issuer ?? "https://api.botframework.com",
      aud: options.appId,
      serviceurl: options.serviceUrl,
      nbf: now - 60,
      iat: now - 60,
      exp: now + 3600,
    });
    const key = options.signWith ?? this.privateKey;
    const signature = createSign("RSA-SHA256").update(`${header}.${payload}`).sign(key).toString("base64url");
    return `${header}.${payload}.${signature}`;
  }
}

/** A fresh RSA private key nobody trusts. */
export function untrustedKey(): KeyObject {
  return createPrivateKey(
    generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" }),
  );
}
