// Certificates for the TLS tests, made by openssl in a scratch directory: EC P-256 keys, valid for
// 127.0.0.1 and localhost.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths of a PEM certificate and its PEM key. */
export interface CertificateFiles {
  cert: string;
  key: string;
}

export interface Pki {
  /** The private CA's certificate. */
  ca: string;
  /** Issued by the CA. */
  server: CertificateFiles;
  selfSigned: CertificateFiles;
  /** Issued by the CA, expired in 2020. */
  expired: CertificateFiles;
}

const NAMES = 'subjectAltName=IP:127.0.0.1,DNS:localhost';

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeKey(dir: string, name: string): void {
  openssl(dir, 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name);
}

/** A key and a certificate signed by that key itself, written to `<name>.key` and `<name>.pem` in `dir`. */
export function makeSelfSigned(dir: string, name = 'self'): CertificateFiles {
  makeKey(dir, `${name}.key`);
  openssl(dir, 'req', '-x509', '-new', '-key', `${name}.key`, '-subj', '/CN=127.0.0.1', '-days', '2', '-addext', NAMES, '-out', `${name}.pem`);
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
}

/** A private CA, a server certificate it issued, a self-signed certificate, and a CA-issued one that
 *  expired in 2020 (`openssl ca` sets past dates), all written into `dir`. */
export function makePki(dir: string): Pki {
  writeFileSync(join(dir, 'server.ext'), `${NAMES}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  makeKey(dir, 'ca.key');
  openssl(
    dir,
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-subj',
    '/CN=hybrid test CA',
    '-days',
    '2',
    '-out',
    'ca.pem',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  makeKey(dir, 'server.key');
  openssl(dir, 'req', '-new', '-key', 'server.key', '-subj', '/CN=127.0.0.1', '-out', 'server.csr');
  openssl(dir, 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.pem');
  const selfSigned = makeSelfSigned(dir, 'self');
  mkdirSync(join(dir, 'db'));
  writeFileSync(join(dir, 'db', 'index.txt'), '');
  writeFileSync(join(dir, 'db', 'serial'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      'dir = db',
      'database = db/index.txt',
      'serial = db/serial',
      'new_certs_dir = db',
      'certificate = ca.pem',
      'private_key = ca.key',
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  openssl(
    dir,
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
    '-in',
    'server.csr',
    '-extfile',
    'server.ext',
    '-notext',
    '-out',
    'expired.pem',
  );
  const p = (f: string) => join(dir, f);
  return { ca: p('ca.pem'), server: { cert: p('server.pem'), key: p('server.key') }, selfSigned, expired: { cert: p('expired.pem'), key: p('server.key') } };
}
