import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import forge from "node-forge";

export interface TlsMaterial {
  caCertPem: string;
  caCertPath: string;
  certPem: string;
  keyPem: string;
}

const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * Returns the emulator's CA and server certificate, made at first start and kept in `<dataDir>/tls`.
 * Clients trust the CA (the SDK's `tlsOptions.ca`, or `NODE_EXTRA_CA_CERTS`); TLS checks stay on.
 */
export function ensureTlsMaterial(dataDir: string): TlsMaterial {
  const dir = join(dataDir, "tls");
  const paths = { ca: join(dir, "ca.pem"), cert: join(dir, "server.pem"), key: join(dir, "server-key.pem") };
  if (!existsSync(paths.ca) || !existsSync(paths.cert) || !existsSync(paths.key)) {
    mkdirSync(dir, { recursive: true });
    const made = makeCertificates();
    writeFileSync(paths.key, made.keyPem, { mode: 0o600 });
    writeFileSync(paths.cert, made.certPem);
    writeFileSync(paths.ca, made.caCertPem);
  }
  return {
    caCertPem: readFileSync(paths.ca, "utf8"),
    caCertPath: paths.ca,
    certPem: readFileSync(paths.cert, "utf8"),
    keyPem: readFileSync(paths.key, "utf8"),
  };
}

function makeCertificates(): { caCertPem: string; certPem: string; keyPem: string } {
  const caKeys = rsaKeyPair();
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serial();
  setValidity(ca);
  const caSubject = [{ name: "commonName", value: "GreenLight local Azure ML workspace CA" }];
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const serverKeys = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = serverKeys.publicKey;
  cert.serialNumber = serial();
  setValidity(cert);
  cert.setSubject([{ name: "commonName", value: "127.0.0.1" }]);
  cert.setIssuer(caSubject);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [
        { type: 7, ip: "127.0.0.1" },
        { type: 2, value: "localhost" },
      ],
    },
  ]);
  cert.sign(caKeys.privateKey, forge.md.sha256.create());
  return {
    caCertPem: forge.pki.certificateToPem(ca),
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyToPem(serverKeys.privateKey),
  };
}

/** Node's native key generation; forge's pure-JS one takes seconds. */
function rsaKeyPair(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey } {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    privateKey: forge.pki.privateKeyFromPem(privateKey),
  };
}

function serial(): string {
  // A positive serial: clear the top bit.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString("hex");
}

function setValidity(cert: forge.pki.Certificate): void {
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60_000);
  cert.validity.notAfter = new Date(now + 5 * ONE_YEAR_MS);
}
