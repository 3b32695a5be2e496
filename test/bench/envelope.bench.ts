/**
 * `npm run bench -- envelope`: signatures per second for the request signature, the envelope and the answer, beside
 * raw node:crypto ES256 sign/verify of the same bytes in the same run (the floor). Target: within 2× of raw. Then
 * the JWE of encrypted bodies beside raw P-256 ECDH (the request) and raw AES-256-GCM (the answer), and their CPU
 * per round trip.
 */
import {
  createCipheriv,
  createDecipheriv,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import {
  canonicalize,
  decryptAnswer,
  decryptBody,
  detachAnswer,
  encryptAnswer,
  encryptBody,
  signAnswer,
  signEnvelope,
  signRequest,
  verifyAnswer,
  verifyDetachedAnswer,
  verifyEnvelope,
  verifyRequest,
  type SignedRequest,
} from '@kopir/envelope';
import { printTable, rate, type Rate } from './measure';

export async function run(args: readonly string[]): Promise<void> {
  const ms = Number(args[0] ?? 1000);
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const request: SignedRequest = {
    method: 'POST',
    path: '/r1/mju/population/person-by-iin',
    purpose: 'driving-licence',
    subject: '900101300123',
    requestId: '0b6f1f9e-6b0e-4b8e-9a53-2f1b7c1d3e01',
    body: JSON.stringify({ iin: '900101300123', fields: ['name', 'birthDate', 'address'] }),
  };
  const signature = await signRequest(request, keys.privateKey, { kid: 'psc/front-office' });
  const fields = {
    requestId: request.requestId,
    client: 'psc/front-office',
    service: 'mju/population/person-by-iin',
    purpose: request.purpose,
    subject: request.subject,
    fields: ['name', 'birthDate', 'address'],
    body: JSON.parse(request.body as string) as unknown,
    consumerSignature: signature,
  };
  const envelope = await signEnvelope(fields, keys.privateKey, { kid: 'gateway' });
  const answerBody = { name: 'Aigerim Nurlanovna', birthDate: '1990-01-01', address: 'Astana, Mangilik El 55' };
  const answer = await signAnswer(
    envelope,
    { requestId: request.requestId, status: 'ok', body: answerBody },
    keys.privateKey,
    {
      kid: 'mju/population',
    },
  );
  const verifyOptions = { maxAgeSeconds: 3600 };

  // The floor: ES256 (ECDSA P-256 + SHA-256, IEEE P1363 signature as JWS uses) over an envelope-sized input.
  const input = Buffer.from(envelope);
  const rawSignature = sign('sha256', input, { key: keys.privateKey, dsaEncoding: 'ieee-p1363' });
  const raw = {
    sign: await rate('raw sign', () => sign('sha256', input, { key: keys.privateKey, dsaEncoding: 'ieee-p1363' }), ms),
    verify: await rate(
      'raw verify',
      () => verify('sha256', input, { key: keys.publicKey, dsaEncoding: 'ieee-p1363' }, rawSignature),
      ms,
    ),
  };
  const subjects = [
    [
      'request signature',
      () => signRequest(request, keys.privateKey, { kid: 'k' }),
      () => verifyRequest(signature, request, keys.publicKey, verifyOptions),
    ],
    [
      'envelope',
      () => signEnvelope(fields, keys.privateKey, { kid: 'g' }),
      () => verifyEnvelope(envelope, keys.publicKey, verifyOptions),
    ],
    [
      'answer',
      () =>
        signAnswer(envelope, { requestId: request.requestId, status: 'ok', body: answerBody }, keys.privateKey, {
          kid: 'p',
        }),
      () => verifyAnswer(answer, envelope, keys.publicKey, verifyOptions),
    ],
  ] as const;
  const { rows } = await againstFloor('raw node:crypto ES256 (floor)', [raw.sign, raw.verify], subjects, ms, [
    'sign',
    'verify',
  ]);
  printTable(['operation (ES256)', 'sign/s', 'verify/s', 'sign × slower', 'verify × slower'], rows);
  process.stdout.write('\n');
  const detached = detachAnswer(answer, await verifyAnswer(answer, envelope, keys.publicKey, verifyOptions));
  const answerText = JSON.stringify(answerBody);
  await consumerTable(
    ms,
    [
      () => sign('sha256', input, { key: keys.privateKey, dsaEncoding: 'ieee-p1363' }),
      () => verify('sha256', input, { key: keys.publicKey, dsaEncoding: 'ieee-p1363' }, rawSignature),
    ],
    [
      () => signRequest(request, keys.privateKey, { kid: 'psc/front-office' }),
      // As KopirClient receives it: the body parsed from the HTTP response, then checked against the signature.
      () =>
        verifyDetachedAnswer(
          detached,
          { requestId: request.requestId, body: JSON.parse(answerText) as unknown },
          (kid) => (kid === 'mju/population' ? keys.publicKey : undefined),
        ),
    ],
  );
  process.stdout.write('\n');
  await encryptionTable(ms, envelope, answer, answerBody);
}

/**
 * Encrypted bodies: the four operations of one round trip of a service that requires them. The gateway encrypts the
 * body to the provider's key (ECDH-ES P-256 + A256GCM, which also derives the answer key) and the provider decrypts
 * it, beside the floor measured in the same run: raw node:crypto P-256 key agreement (an ephemeral key pair plus one
 * ECDH to encrypt, one ECDH to decrypt), without JOSE, AES-GCM or the key derivations. The provider encrypts its
 * answer under that answer key (`dir` + A256GCM, no key agreement) and the gateway decrypts it, beside raw
 * node:crypto AES-256-GCM of the same bytes.
 */
async function encryptionTable(ms: number, envelope: string, answer: string, answerBody: unknown): Promise<void> {
  const recipient = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const requestId = 'bench';
  const body = { iin: '900101300123' };
  const request = await encryptBody(body, recipient.publicKey, { kid: 'p', requestId });
  const opened = await decryptBody(request.jwe, recipient.privateKey, { requestId });
  const answerJwe = await encryptAnswer(answer, opened.answerKey);
  const agree = () =>
    diffieHellman({
      privateKey: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey,
      publicKey: recipient.publicKey,
    });
  const agreement = {
    encrypt: await rate('raw ECDH with an ephemeral key', agree, ms),
    decrypt: await rate(
      'raw ECDH',
      () => diffieHellman({ privateKey: recipient.privateKey, publicKey: recipient.publicKey }),
      ms,
    ),
  };
  const aesKey = randomBytes(32);
  const iv = randomBytes(12);
  const sealed = gcm(aesKey, iv, Buffer.from(answer));
  const aes = {
    encrypt: await rate('raw AES-256-GCM encrypt', () => gcm(aesKey, randomBytes(12), Buffer.from(answer)), ms),
    decrypt: await rate('raw AES-256-GCM decrypt', () => ungcm(aesKey, iv, sealed), ms),
  };
  const requestRows = await againstFloor(
    'raw node:crypto P-256 ECDH (floor)',
    [agreement.encrypt, agreement.decrypt],
    [
      [
        `request body (${canonicalize(body).length} B), ECDH-ES`,
        () => encryptBody(body, recipient.publicKey, { kid: 'p', requestId }),
        () => decryptBody(request.jwe, recipient.privateKey, { requestId }),
      ],
    ],
    ms,
    ['encrypt', 'decrypt'],
  );
  const answerRows = await againstFloor(
    `raw node:crypto AES-256-GCM, ${answer.length} B (floor)`,
    [aes.encrypt, aes.decrypt],
    [
      [
        `answer JWS (${answer.length} B, body ${canonicalize(answerBody).length} B), dir`,
        () => encryptAnswer(answer, opened.answerKey),
        () => decryptAnswer(answerJwe, request.answerKey),
      ],
    ],
    ms,
    ['encrypt', 'decrypt'],
  );
  const rates = [...requestRows.rates, ...answerRows.rates];
  const roundTripMs = rates.reduce((sum, [e, d]) => sum + 1000 / e.opsPerSecond + 1000 / d.opsPerSecond, 0);
  const floorMs =
    1000 / agreement.encrypt.opsPerSecond +
    1000 / agreement.decrypt.opsPerSecond +
    1000 / aes.encrypt.opsPerSecond +
    1000 / aes.decrypt.opsPerSecond;
  printTable(
    ['JWE (A256GCM)', 'encrypt/s', 'decrypt/s', 'encrypt × slower', 'decrypt × slower'],
    [...requestRows.rows, ...answerRows.rows],
  );
  process.stdout.write(
    `CPU per round trip of an encrypted service (4 operations, 2 key agreements, ${envelope.length} B envelope): ` +
      `${roundTripMs.toFixed(3)} ms (the floor: ${floorMs.toFixed(3)} ms)\n`,
  );
}

/**
 * The consumer's share of a call (what KopirClient signs and verifies): CPU µs of signRequest and of
 * verifyDetachedAnswer, beside raw ES256 sign and verify of an envelope-sized input, from process.cpuUsage over the
 * same number of calls in the same run.
 */
async function consumerTable(
  ms: number,
  floor: readonly [() => unknown, () => unknown],
  subject: readonly [() => unknown, () => unknown],
): Promise<void> {
  const cpu = async (op: () => unknown): Promise<number> => {
    const warm = await rate('warm-up', op, Math.min(200, ms / 5));
    const count = Math.max(200, Math.round((warm.opsPerSecond * ms) / 1000));
    const before = process.cpuUsage();
    for (let i = 0; i < count; i++) await op();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / count;
  };
  const [rawSign, rawVerify] = [await cpu(floor[0]), await cpu(floor[1])];
  const [sign, verify] = [await cpu(subject[0]), await cpu(subject[1])];
  printTable(
    ['consumer per call (ES256)', 'sign CPU µs', 'verify CPU µs', 'sign + verify µs', 'over the floor µs'],
    [
      ['raw node:crypto ES256 (floor)', rawSign, rawVerify, rawSign + rawVerify, '0'],
      [
        'signRequest, verifyDetachedAnswer',
        sign,
        verify,
        sign + verify,
        (sign + verify - rawSign - rawVerify).toFixed(1),
      ],
    ],
  );
}

function gcm(key: Buffer, iv: Buffer, plaintext: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function ungcm(key: Buffer, iv: Buffer, sealed: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
}

/**
 * Each subject's pair of operations (sign and verify, encrypt and decrypt) measured in turn, as table rows beside the
 * floor pair measured in the same run: ops/s of each, and how many times slower than the floor each is.
 */
async function againstFloor(
  floorName: string,
  floor: readonly [Rate, Rate],
  subjects: readonly (readonly [string, () => unknown, () => unknown])[],
  ms: number,
  verbs: readonly [string, string],
): Promise<{ rows: (string | number)[][]; rates: (readonly [Rate, Rate])[] }> {
  const rows: (string | number)[][] = [[floorName, floor[0].opsPerSecond, floor[1].opsPerSecond, '1.00', '1.00']];
  const rates: (readonly [Rate, Rate])[] = [];
  for (const [name, first, second] of subjects) {
    const a = await rate(`${name} ${verbs[0]}`, first, ms);
    const b = await rate(`${name} ${verbs[1]}`, second, ms);
    rates.push([a, b]);
    rows.push([
      name,
      a.opsPerSecond,
      b.opsPerSecond,
      (floor[0].opsPerSecond / a.opsPerSecond).toFixed(2),
      (floor[1].opsPerSecond / b.opsPerSecond).toFixed(2),
    ]);
  }
  return { rows, rates };
}
