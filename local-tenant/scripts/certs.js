// Creates the local certificate authority and the localhost server certificate, if missing.
// Plain CommonJS so `npm run certs` works from a fresh clone without a build; the tenant
// requires the same function at start-up. Output lives under <repo>/.local/certs (git-ignored):
//   ca.pem        trust anchor: NODE_EXTRA_CA_CERTS, or import it into a browser/OS store
//   ca-key.pem    lets the server certificate be re-issued without changing the trust anchor
//   server.pem    localhost certificate (SAN localhost, 127.0.0.1, ::1), signed by the CA
//   server-key.pem
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const selfsigned = require('selfsigned');

const DEFAULT_DIR = path.resolve(__dirname, '..', '..', '.local', 'certs');
const FILES = { ca: 'ca.pem', caKey: 'ca-key.pem', cert: 'server.pem', key: 'server-key.pem' };

function read(dir) {
  const out = {};
  for (const [name, file] of Object.entries(FILES)) {
    const full = path.join(dir, file);
    if (!fs.existsSync(full)) return null;
    out[name] = fs.readFileSync(full, 'utf8');
  }
  return out;
}

// A certificate that expires within a week is replaced, so long-lived clones keep working.
function stillValid(pem) {
  const cert = new crypto.X509Certificate(pem);
  return new Date(cert.validTo).getTime() - Date.now() > 7 * 24 * 3600 * 1000;
}

function years(n) {
  const d = new Date();
  d.setFullYear(d.getFullYear() + n);
  return d;
}

async function create(dir) {
  const now = new Date(Date.now() - 60 * 1000);
  const ca = await selfsigned.generate([{ name: 'commonName', value: 'LMS local tenant development CA' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: years(5),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }
    ]
  });
  const server = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: now,
    // Browsers refuse server certificates valid for more than 398 days.
    notAfterDate: new Date(now.getTime() + 390 * 24 * 3600 * 1000),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' }
        ]
      }
    ]
  });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const write = (file, text) => fs.writeFileSync(path.join(dir, file), text, { mode: 0o600 });
  write(FILES.ca, ca.cert);
  write(FILES.caKey, ca.private);
  write(FILES.cert, server.cert);
  write(FILES.key, server.private);
  return { ca: ca.cert, caKey: ca.private, cert: server.cert, key: server.private };
}

/** Returns { ca, cert, key } PEM strings, creating the files first when missing or expiring. */
async function ensureCerts(dir = DEFAULT_DIR) {
  const existing = read(dir);
  if (existing && stillValid(existing.cert) && stillValid(existing.ca)) return existing;
  return create(dir);
}

/**
 * A token-signing certificate issued by the local CA, made fresh at every start (in memory only):
 * Entra publishes its signing keys with their certificate chain (x5c) and names each by the
 * certificate's thumbprint (kid, x5t). Returns { cert, key } PEM strings.
 */
async function signingCertificate(certs) {
  const now = new Date(Date.now() - 60 * 1000);
  const made = await selfsigned.generate([{ name: 'commonName', value: 'accounts.local-tenant token signing' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: years(1),
    ca: { key: certs.caKey, cert: certs.ca },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true }
    ]
  });
  return { cert: made.cert, key: made.private };
}

module.exports = { ensureCerts, signingCertificate, DEFAULT_DIR };

if (require.main === module) {
  ensureCerts()
    .then(() => process.stdout.write(`local tenant certificates: ${DEFAULT_DIR} (trust anchor: ca.pem)\n`))
    .catch((err) => {
      process.stderr.write(`could not create the local certificates: ${err.message}\n`);
      process.exit(1);
    });
}
