import { KeyMaterialInvalidError } from '../errors';
import { x509 } from '../lib/x509';

/**
 * Attribute keywords of RFC 2253 §2.3 (and RFC 4514 §3), which Java's `X500Principal.getName()` prints by name; any
 * other attribute would be printed as an OID with a hex value, which the intranet CA never issues.
 */
const KEYWORDS = new Set(['CN', 'L', 'ST', 'O', 'OU', 'C', 'STREET', 'DC', 'UID']);

/**
 * The Kafka principal of a client or broker certificate: `User:` and its subject as Kafka's default SSL principal
 * builder reads it, `X500Principal.getName()`, which is RFC 2253: the RDNs from the last of the certificate's
 * sequence to the first (§2.1), `type=value` joined by `,` (multi-valued RDNs by `+`), special characters escaped
 * (§2.4). Kafka ACLs and `super.users` name principals this way (no ssl.principal.mapping.rules are set).
 */
export function kafkaPrincipal(certificatePem: string): string {
  const rdns = new x509.X509Certificate(certificatePem).subjectName.toJSON();
  const parts = rdns.map((rdn) =>
    Object.entries(rdn)
      .flatMap(([type, values]) => {
        if (!KEYWORDS.has(type)) {
          throw new KeyMaterialInvalidError(`Subject attribute ${type} has no RFC 2253 keyword; not a Kafka principal`);
        }
        return values.map((value) => `${type}=${escapeRfc2253(value)}`);
      })
      .join('+'),
  );
  return `User:${parts.reverse().join(',')}`;
}

/** RFC 2253 §2.4: `,` `+` `"` `\` `<` `>` `;` escaped, and a leading `#` or space and a trailing space. */
export function escapeRfc2253(value: string): string {
  return value
    .replace(/[,+"\\<>;]/g, (c) => `\\${c}`)
    .replace(/^[# ]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ');
}
