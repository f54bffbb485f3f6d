import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDebianPackage } from './apt.js';

export interface TlsFiles {
  /** the CA that signed the server certificate (PEM) */
  readonly caFile: string;
  /** an unrelated CA, for "wrong trust anchor" tests */
  readonly otherCaFile: string;
  /** server certificate for 127.0.0.1 only (so `localhost` is a name it does not carry), and its key */
  readonly certFile: string;
  readonly keyFile: string;
  /** the key and the certificate in one PEM file (a Kafka broker's `ssl.keystore.type=PEM` key store) */
  readonly keyAndCertFile: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function selfSignedCa(dir: string, name: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.pem`], dir);
}

/**
 * A throwaway CA and a server certificate it signed (subject alternative name 127.0.0.1, not
 * localhost), plus an unrelated CA, made with the openssl CLI (Debian's `openssl`) in `dir`.
 */
export function makeTlsFiles(dir: string): TlsFiles {
  ensureDebianPackage('openssl', '/usr/bin/openssl');
  selfSignedCa(dir, 'test-ca');
  selfSignedCa(dir, 'other-ca');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr'], dir);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName = IP:127.0.0.1\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'test-ca.pem', '-CAkey', 'test-ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.pem'], dir);
  writeFileSync(join(dir, 'server-key-and-cert.pem'), readFileSync(join(dir, 'server.key'), 'utf8') + readFileSync(join(dir, 'server.pem'), 'utf8'));
  return {
    caFile: join(dir, 'test-ca.pem'), otherCaFile: join(dir, 'other-ca.pem'), certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key'),
    keyAndCertFile: join(dir, 'server-key-and-cert.pem'),
  };
}
