import { createHash, randomBytes, type KeyObject, type X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { KeyMaterialInvalidError } from '../errors';

/** Options of {@link exportPkcs12}. */
export interface Pkcs12Options {
  /** The private key of the first certificate (any type Node can export as PKCS#8: EC, RSA, Ed25519). */
  readonly privateKey: KeyObject;
  /** The leaf certificate first, then its issuers up to (and including, if you want) the root. */
  readonly certificates: readonly X509Certificate[];
  /** Protects the key (PBES2) and the integrity MAC. Must not be empty: a keystore is never left open. */
  readonly password: string;
  /** The friendlyName attribute (RFC 7292 §4.2) of the key and leaf: the alias Java's keytool shows. */
  readonly friendlyName?: string;
  /** PBKDF2 and MAC iteration count (default 2048, OpenSSL 3's PKCS12_DEFAULT_ITER). */
  readonly iterations?: number;
}

const { asn1, pki } = forge;
const U = asn1.Class.UNIVERSAL;
/** Object identifiers (RFC 7292 Appendix D, RFC 2985 §5.5, RFC 5652 §4, RFC 5754 §2.2). */
const OID = {
  data: '1.2.840.113549.1.7.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  sha256: '2.16.840.1.101.3.4.2.1',
} as const;
const T = asn1.Type;

const oid = (id: string): forge.asn1.Asn1 => asn1.create(U, T.OID, false, asn1.oidToDer(id).getBytes());
const octets = (bytes: string): forge.asn1.Asn1 => asn1.create(U, T.OCTETSTRING, false, bytes);
const seq = (items: forge.asn1.Asn1[]): forge.asn1.Asn1 => asn1.create(U, T.SEQUENCE, true, items);
const explicit0 = (item: forge.asn1.Asn1): forge.asn1.Asn1 => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [item]);
const binary = (buffer: Buffer): string => buffer.toString('binary');

/** A PKCS#7 `data` ContentInfo around a DER-encoded SafeContents (RFC 7292 §4.1, unencrypted form). */
function dataContentInfo(safeContents: forge.asn1.Asn1): forge.asn1.Asn1 {
  return seq([oid(OID.data), explicit0(octets(asn1.toDer(safeContents).getBytes()))]);
}

/**
 * Builds a PKCS#12 keystore (RFC 7292) holding a private key and its certificate chain, for ministry software that
 * wants a `.p12` (Java keystores, .NET, Windows). Node's `tls.createSecureContext({ pfx, passphrase })` and
 * `openssl pkcs12` read it.
 *
 * Why not forge's `pkcs12.toPkcs12Asn1`: it converts the key with `privateKeyToAsn1` and the certificates with
 * `certificateFromPem`, both RSA-only in node-forge, so it cannot hold our default ECDSA P-256 keys. PKCS#12 itself
 * is key-type agnostic (a pkcs8ShroudedKeyBag wraps any PKCS#8 PrivateKeyInfo, a certBag any X.509 DER), so the
 * structure is built here from node-forge's ASN.1 and PBE primitives over the DER that node:crypto exports, with
 * the algorithms OpenSSL 3 uses by default:
 * - key: pkcs8ShroudedKeyBag, PBES2 (RFC 8018 §6.2) with PBKDF2-HMAC-SHA256 and AES-256-CBC;
 * - certificates: certBags in an unencrypted SafeContents (they are public);
 * - integrity: HMAC-SHA-256 MAC with the RFC 7292 Appendix B key derivation (password as BMPString).
 * Key and leaf share a localKeyId (SHA-1 of the leaf's DER, as OpenSSL sets it) so readers pair them.
 *
 * @throws KeyMaterialInvalidError when there is no certificate, the key does not match the leaf, or the password is
 *   empty.
 */
export function exportPkcs12(options: Pkcs12Options): Buffer {
  const [leaf] = options.certificates;
  if (leaf === undefined) throw new KeyMaterialInvalidError('A PKCS#12 keystore needs at least the leaf certificate');
  if (options.privateKey.type !== 'private')
    throw new KeyMaterialInvalidError('A PKCS#12 keystore needs a private key');
  if (!leaf.checkPrivateKey(options.privateKey)) {
    throw new KeyMaterialInvalidError('The private key does not belong to the first certificate');
  }
  if (options.password.length === 0) throw new KeyMaterialInvalidError('A PKCS#12 keystore needs a non-empty password');
  const iterations = options.iterations ?? 2048;
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new KeyMaterialInvalidError(`Invalid PKCS#12 iteration count ${iterations}`);
  }

  const localKeyId = createHash('sha1').update(leaf.raw).digest();
  const attributes = [seq([oid(OID.localKeyId), asn1.create(U, T.SET, true, [octets(binary(localKeyId))])])];
  if (options.friendlyName !== undefined) {
    attributes.push(
      seq([
        oid(OID.friendlyName),
        asn1.create(U, T.SET, true, [asn1.create(U, T.BMPSTRING, false, options.friendlyName)]),
      ]),
    );
  }
  const bagAttributes = asn1.create(U, T.SET, true, attributes);

  // CertBag (RFC 7292 §4.2.3): certId x509Certificate, certValue [0] EXPLICIT OCTET STRING of the DER.
  const certBags = options.certificates.map((cert, i) => {
    const bag = seq([oid(OID.x509Certificate), explicit0(octets(binary(cert.raw)))]);
    const items = [oid(OID.certBag), explicit0(bag)];
    if (i === 0) items.push(bagAttributes);
    return seq(items);
  });

  // PBES2 takes the password as an octet string; OpenSSL hands it the UTF-8 bytes, so non-ASCII passwords agree.
  const pkcs8 = asn1.fromDer(binary(options.privateKey.export({ type: 'pkcs8', format: 'der' })));
  const shrouded = pki.encryptPrivateKeyInfo(pkcs8, forge.util.encodeUtf8(options.password), {
    algorithm: 'aes256',
    prfAlgorithm: 'sha256',
    count: iterations,
    saltSize: 16,
  });
  const keyBag = seq([oid(OID.pkcs8ShroudedKeyBag), explicit0(shrouded), bagAttributes]);

  const authenticatedSafe = seq([dataContentInfo(seq(certBags)), dataContentInfo(seq([keyBag]))]);
  const safeDer = asn1.toDer(authenticatedSafe).getBytes();

  // MacData (RFC 7292 §4, Appendix B.2 with ID 3 = MAC key): HMAC-SHA-256 over the AuthenticatedSafe's DER.
  const macSalt = binary(randomBytes(16));
  const sha256 = forge.md.sha256.create();
  const macKey = forge.pkcs12.generateKey(
    options.password,
    forge.util.createBuffer(macSalt),
    3,
    iterations,
    sha256.digestLength,
    sha256,
  );
  const hmac = forge.hmac.create();
  hmac.start('sha256', macKey.getBytes());
  hmac.update(safeDer);
  const macData = seq([
    seq([seq([oid(OID.sha256), asn1.create(U, T.NULL, false, '')]), octets(hmac.digest().getBytes())]),
    octets(macSalt),
    asn1.create(U, T.INTEGER, false, asn1.integerToDer(iterations).getBytes()),
  ]);

  const pfx = seq([
    asn1.create(U, T.INTEGER, false, asn1.integerToDer(3).getBytes()),
    seq([oid(OID.data), explicit0(octets(safeDer))]),
    macData,
  ]);
  return Buffer.from(asn1.toDer(pfx).getBytes(), 'binary');
}
