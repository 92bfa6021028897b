/**
 * A throwaway certificate authority and a server certificate for 127.0.0.1,
 * made at run time. The Azure SDKs refuse to send a bearer token over plain
 * http, so the Resource Manager stand-in speaks TLS; clients trust it through
 * `NODE_EXTRA_CA_CERTS` (child processes) or an explicit CA (in-process).
 *
 * node:crypto makes keys but cannot sign an X.509 certificate; node-forge
 * does that in plain JavaScript (no openssl binary, so it works on every OS
 * the CLI runs on). Keys come from node:crypto: native and fast.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface TestTls {
  /** The CA certificate (PEM): what clients must trust. */
  ca: string;
  /** Server certificate (PEM) for 127.0.0.1 / localhost, signed by the CA. */
  cert: string;
  /** Server private key (PEM). */
  key: string;
}

function keyPair(): { publicKey: forge.pki.PublicKey; privateKey: forge.pki.PrivateKey; pem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), pem };
}

function certificate(subject: string, publicKey: forge.pki.PublicKey, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // Positive, random serials: two runs never issue look-alike certificates.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  return cert;
}

/** A fresh CA (valid 2 days) and a server certificate for loopback signed by it. */
export function createTestTls(): TestTls {
  const ca = keyPair();
  const caCert = certificate('AOAI Pool simulator test CA', ca.publicKey, 2);
  caCert.setIssuer(caCert.subject.attributes);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());

  const server = keyPair();
  const cert = certificate('127.0.0.1', server.publicKey, 2);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(ca.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { ca: forge.pki.certificateToPem(caCert), cert: forge.pki.certificateToPem(cert), key: server.pem };
}
