import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@platformatic/kafka';
import { prop } from '../../plugins/api/index.js';

/**
 * Kafka's client security settings (the Java client's names and defaults) and what they become
 * for @platformatic/kafka: `tls` options for node:tls and `sasl` for its SASL handshake.
 *
 * What the client supports, and so what is accepted:
 * - security.protocol PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL;
 * - sasl.mechanism PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, with the user name and password taken from
 *   `sasl.jaas.config` (`... required username="..." password="...";`);
 * - trust and key material as PEM (a file or inline), and a PKCS12 key store.
 * Refused with a message saying what to do instead: sasl.mechanism GSSAPI (Kerberos: the client
 * needs a custom authenticator) and OAUTHBEARER (the Java client fetches tokens through login
 * callback handlers, which have no equivalent here); JKS stores (Java's own format; node:tls reads
 * PEM and PKCS12: convert with `keytool -importkeystore -deststoretype PKCS12`, then openssl) and
 * PKCS12 trust stores (node:tls reads CA certificates as PEM only).
 */
export const kafkaSecurityProperties = {
  'security.protocol': prop.enum(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const, { doc: 'How to talk to the brokers.', default: 'PLAINTEXT', caseInsensitive: true, group: 'Security' }),
  'sasl.mechanism': prop.enum(['GSSAPI', 'PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const, { doc: "SASL mechanism (Kafka's default, GSSAPI, and OAUTHBEARER are not supported by the client: use PLAIN or SCRAM).", default: 'GSSAPI', caseInsensitive: true, group: 'Security' }),
  'sasl.jaas.config': prop.password({ doc: 'JAAS login line with the SASL user name and password, e.g. org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";', group: 'Security' }),
  'ssl.truststore.type': prop.enum(['JKS', 'PKCS12', 'PEM'] as const, { doc: 'Format of the trust store; only PEM can be read.', default: 'JKS', caseInsensitive: true, group: 'Security' }),
  'ssl.truststore.location': prop.string({ doc: 'File of the CA certificates to trust (PEM); default: the system CAs.', group: 'Security' }),
  'ssl.truststore.password': prop.password({ doc: 'Accepted for compatibility; a PEM trust store has no password.', group: 'Security', importance: 'low' }),
  'ssl.truststore.certificates': prop.string({ doc: 'The CA certificates to trust, inline as PEM (with ssl.truststore.type=PEM).', group: 'Security' }),
  'ssl.keystore.type': prop.enum(['JKS', 'PKCS12', 'PEM'] as const, { doc: 'Format of the client key store (for TLS client authentication): PEM or PKCS12.', default: 'JKS', caseInsensitive: true, group: 'Security' }),
  'ssl.keystore.location': prop.string({ doc: 'File with the client key and certificate chain (PEM: both in one file; PKCS12).', group: 'Security' }),
  'ssl.keystore.password': prop.password({ doc: 'Password of a PKCS12 key store.', group: 'Security' }),
  'ssl.key.password': prop.password({ doc: 'Password of the private key (an encrypted PEM key).', group: 'Security' }),
  'ssl.keystore.key': prop.password({ doc: 'The client private key, inline as PEM (with ssl.keystore.type=PEM).', group: 'Security' }),
  'ssl.keystore.certificate.chain': prop.string({ doc: 'The client certificate chain, inline as PEM (with ssl.keystore.type=PEM).', group: 'Security' }),
  'ssl.endpoint.identification.algorithm': prop.string({ doc: 'https (the default) checks that the broker certificate names the host; set it empty to skip that check.', group: 'Security', importance: 'low' }),
} as const;

export interface KafkaSecurityValues {
  'security.protocol'?: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  'sasl.mechanism'?: 'GSSAPI' | 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';
  'sasl.jaas.config'?: string;
  'ssl.truststore.type'?: 'JKS' | 'PKCS12' | 'PEM';
  'ssl.truststore.location'?: string;
  'ssl.truststore.certificates'?: string;
  'ssl.keystore.type'?: 'JKS' | 'PKCS12' | 'PEM';
  'ssl.keystore.location'?: string;
  'ssl.keystore.password'?: string;
  'ssl.key.password'?: string;
  'ssl.keystore.key'?: string;
  'ssl.keystore.certificate.chain'?: string;
}

/** The security part of @platformatic/kafka's client options. */
export type KafkaConnectionSecurity = Pick<ConnectionOptions, 'tls' | 'sasl'>;

export type SecurityProblem = readonly [property: string, message: string];

/**
 * The client options for `values`, and every problem found; files named by the settings are read
 * here, so a missing or unreadable one is a config problem at start-up, not a failed handshake.
 * `raw` is consulted for the one setting whose empty value means something (endpoint identification).
 */
export function kafkaConnectionSecurity(values: KafkaSecurityValues, raw: Readonly<Record<string, string>>): { security: KafkaConnectionSecurity; problems: SecurityProblem[] } {
  const problems: SecurityProblem[] = [];
  const security: KafkaConnectionSecurity = {};
  const protocol = values['security.protocol'] ?? 'PLAINTEXT';
  if (protocol === 'SSL' || protocol === 'SASL_SSL') security.tls = tlsOptions(values, raw, problems);
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    const sasl = saslOptions(values, problems);
    if (sasl) security.sasl = sasl;
  }
  return { security, problems };
}

function readText(property: string, path: string, problems: SecurityProblem[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    problems.push([property, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
    return undefined;
  }
}

function tlsOptions(values: KafkaSecurityValues, raw: Readonly<Record<string, string>>, problems: SecurityProblem[]): NonNullable<ConnectionOptions['tls']> {
  const tls: NonNullable<ConnectionOptions['tls']> = {};
  const trustType = values['ssl.truststore.type'] ?? 'JKS';
  const trustFile = values['ssl.truststore.location'];
  const trustInline = values['ssl.truststore.certificates'];
  if (trustFile !== undefined || trustInline !== undefined) {
    if (trustType !== 'PEM') {
      problems.push(['ssl.truststore.type', `a ${trustType} trust store cannot be read by the Kafka client (node:tls takes CA certificates as PEM): export the certificates as PEM and set ssl.truststore.type=PEM`]);
    } else {
      const ca = trustInline ?? readText('ssl.truststore.location', trustFile!, problems);
      if (ca !== undefined) tls.ca = ca;
    }
  }
  const keyType = values['ssl.keystore.type'] ?? 'JKS';
  const keyFile = values['ssl.keystore.location'];
  const keyInline = values['ssl.keystore.key'];
  if (keyFile !== undefined || keyInline !== undefined) {
    if (keyType === 'JKS') {
      problems.push(['ssl.keystore.type', 'a JKS key store cannot be read by the Kafka client: convert it to PKCS12 (keytool -importkeystore -deststoretype PKCS12) or PEM and set ssl.keystore.type']);
    } else if (keyType === 'PKCS12') {
      if (keyFile === undefined) problems.push(['ssl.keystore.location', 'ssl.keystore.type=PKCS12 needs ssl.keystore.location']);
      else {
        try {
          tls.pfx = readFileSync(keyFile);
          tls.passphrase = values['ssl.keystore.password'];
        } catch (error) {
          problems.push(['ssl.keystore.location', `cannot read ${keyFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
        }
      }
    } else {
      // PEM: a file holding key and chain, or both inline
      const text = keyInline ?? readText('ssl.keystore.location', keyFile!, problems);
      const chain = keyInline !== undefined ? values['ssl.keystore.certificate.chain'] : text;
      if (keyInline !== undefined && chain === undefined) problems.push(['ssl.keystore.certificate.chain', 'ssl.keystore.key needs ssl.keystore.certificate.chain']);
      if (text !== undefined && chain !== undefined) {
        tls.key = text;
        tls.cert = chain;
        if (values['ssl.key.password'] !== undefined) tls.passphrase = values['ssl.key.password'];
      }
    }
  }
  // Kafka's `ssl.endpoint.identification.algorithm=` (empty) turns host name checks off; the
  // certificate chain is still verified
  if (raw['ssl.endpoint.identification.algorithm'] === '') tls.checkServerIdentity = () => undefined;
  return tls;
}

/** `name="quoted value"` or `name=word`, as JAAS login options are written */
const JAAS_OPTION = /([\w.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))/g;

function saslOptions(values: KafkaSecurityValues, problems: SecurityProblem[]): ConnectionOptions['sasl'] | undefined {
  const mechanism = values['sasl.mechanism'] ?? 'GSSAPI';
  if (mechanism === 'GSSAPI' || mechanism === 'OAUTHBEARER') {
    problems.push(['sasl.mechanism', `sasl.mechanism=${mechanism} is not supported by the Kafka client (${mechanism === 'GSSAPI' ? 'Kerberos needs a custom authenticator' : 'token retrieval through login callback handlers has no equivalent'}); use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`]);
    return undefined;
  }
  const jaas = values['sasl.jaas.config'];
  if (jaas === undefined) {
    problems.push(['sasl.jaas.config', `sasl.mechanism=${mechanism} needs sasl.jaas.config with username="..." and password="..."`]);
    return undefined;
  }
  const options = new Map<string, string>();
  for (const match of jaas.matchAll(JAAS_OPTION)) options.set(match[1], match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]);
  const username = options.get('username');
  const password = options.get('password');
  if (username === undefined || password === undefined) {
    problems.push(['sasl.jaas.config', 'sasl.jaas.config must set username="..." and password="..."']);
    return undefined;
  }
  return { mechanism, username, password };
}
