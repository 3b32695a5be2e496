import { randomUUID, type KeyObject } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { decryptAnswer, encryptBody, signEnvelope, verifyAnswer, type Answer, type AnswerKey } from '@kopir/envelope';
import { bodySubject, type FederationDocument, type ServiceDefinition } from '@kopir/federation';
import { generateKeyPair, generateSigningKey, keyThumbprint, publicKeyToJwk, type PublicJwk } from '@kopir/pki';
import type { Kafka } from 'kafkajs';
import { AdapterRuntime } from '../../adapter-runtime';
import { AdapterModule, type AdapterDefinition } from '../adapter.module';

export interface EnvelopeOptions {
  /** Fields the rule allows (default: every field of the service definition). */
  readonly fields?: readonly string[];
  readonly requestId?: string;
  readonly client?: string;
  readonly purpose?: string;
  readonly subject?: string;
  /** Sign with this key instead of the federation's gateway key (a forgery). */
  readonly key?: KeyObject;
  /** The `kid` to put in the header (default: the thumbprint of the signing key). */
  readonly kid?: string;
  /** Issue the envelope at this time (default now). */
  readonly now?: Date;
  /**
   * Send the body as `bodyJwe`, encrypted to the adapter's encryption key as the gateway does (default: when the
   * test federation requires encrypted bodies, see AdapterTestBedOptions.encryptBodies).
   */
  readonly encrypt?: boolean;
  /** Encrypt to this public key instead of the adapter's (a body for another system); implies `encrypt`. */
  readonly encryptTo?: KeyObject;
}

/** A decoded, verified answer. */
export interface TestAnswer {
  readonly status: string;
  readonly body: unknown;
  readonly answer: Answer;
  /** Whether the answer came back encrypted (under the answer key of the envelope's encrypted body). */
  readonly encrypted: boolean;
}

export interface AdapterTestBedOptions {
  /** Service definitions the test federation carries (default: the definition's `services`). */
  readonly services?: readonly ServiceDefinition[];
  /** Connect the runtime to Kafka (default: none, requests go straight to the processor). */
  readonly kafka?: Kafka;
  readonly concurrency?: number;
  /** The adapter's system requires encrypted bodies (`encryptBodies` in the federation; default false). */
  readonly encryptBodies?: boolean;
}

/**
 * The federation an adapter under test lives in: its own system and services, the consumer the envelopes name by
 * default (psc/front-office), and the test gateway's key. Only what the adapter itself consults (gateway keys, its
 * services' schemas and fields); the gateway decides on rules, so there are none.
 */
function testFederation(
  system: string,
  services: readonly ServiceDefinition[],
  keys: { readonly gateway: PublicJwk; readonly encryption: PublicJwk },
  encryptBodies: boolean,
): FederationDocument {
  const now = Date.now();
  const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const agency = system.split('/')[0] ?? system;
  const agencies: FederationDocument['agencies'][number][] = [
    {
      code: agency,
      name: agency,
      systems: [{ id: system, name: system, encryptionKey: keys.encryption, encryptBodies }],
    },
  ];
  if (agency !== 'psc') {
    agencies.push({ code: 'psc', name: 'psc', systems: [{ id: 'psc/front-office', name: 'psc/front-office' }] });
  }
  return {
    federation: 'kopir-adapter-test',
    version: 1,
    issuedAt: iso(now),
    expiresAt: iso(now + 86_400_000),
    agencies,
    purposes: [{ code: 'contract-test', description: 'the adapter contract tests' }],
    groups: [],
    services: [...services],
    rules: [],
    gateways: [{ id: 'gateway', name: 'test gateway', signingKeys: [keys.gateway] }],
    officers: [],
  };
}

/**
 * An adapter in a test: its real Nest application context (AdapterModule.forRoot, as runAdapter builds it) with
 * fresh keys in memory, a federation document that lists the test gateway's key, and helpers to sign envelopes
 * as the gateway would (or as an attacker would) and to verify the answers with the adapter's public key.
 */
export class AdapterTestBed {
  readonly gatewayKey = generateSigningKey('ES256');
  readonly adapterKey = generateSigningKey('ES256');
  /** The adapter's encryption key (the federation publishes its public half; the adapter holds the private). */
  readonly adapterEncryptionKey = generateKeyPair('P-256');
  readonly document: FederationDocument;
  /**
   * The answer key of each envelope made with an encrypted body, as the gateway keeps it with the pending request
   * (here for the test bed's short life, so a test may verify an answer twice).
   */
  private readonly answerKeys = new Map<string, AnswerKey>();
  private appContext: INestApplicationContext | undefined;

  private constructor(
    readonly definition: AdapterDefinition,
    options: AdapterTestBedOptions,
  ) {
    this.document = testFederation(
      definition.system,
      options.services ?? definition.services ?? [],
      {
        gateway: publicKeyToJwk(this.gatewayKey.publicKey),
        encryption: publicKeyToJwk(this.adapterEncryptionKey.publicKey),
      },
      options.encryptBodies === true,
    );
  }

  static async start(definition: AdapterDefinition, options: AdapterTestBedOptions = {}): Promise<AdapterTestBed> {
    const bed = new AdapterTestBed(definition, options);
    const document = bed.document;
    bed.appContext = await NestFactory.createApplicationContext(
      AdapterModule.forRoot(definition, {
        signingKey: bed.adapterKey.privateKey,
        encryptionKeys: [bed.adapterEncryptionKey.privateKey],
        federation: { current: { document } },
        concurrency: options.concurrency ?? 4,
        ...(options.kafka === undefined ? {} : { kafka: options.kafka }),
      }),
      { logger: false, abortOnError: false },
    );
    await bed.appContext.init();
    return bed;
  }

  get app(): INestApplicationContext {
    if (this.appContext === undefined) throw new Error('the test bed is closed');
    return this.appContext;
  }

  get runtime(): AdapterRuntime {
    return this.app.get(AdapterRuntime);
  }

  /** The full id of one of this adapter's services. */
  serviceId(name: string): string {
    return name.includes('/') ? name : `${this.definition.system}/${name}`;
  }

  /** An envelope for `service` (short or full id) signed as the gateway signs it (or as `options` forge it). */
  async envelope(service: string, body: unknown, options: EnvelopeOptions = {}): Promise<string> {
    const id = this.serviceId(service);
    const definition = this.document.services.find((s) => s.id === id);
    const key = options.key ?? this.gatewayKey.privateKey;
    const requestId = options.requestId ?? randomUUID();
    const system = this.document.agencies.flatMap((a) => a.systems).find((s) => s.id === this.definition.system);
    const encrypt = options.encrypt ?? (options.encryptTo !== undefined || system?.encryptBodies === true);
    const recipient = options.encryptTo ?? this.adapterEncryptionKey.publicKey;
    const encrypted = encrypt
      ? await encryptBody(body, recipient, { kid: keyThumbprint(recipient), requestId })
      : undefined;
    const sent = encrypted === undefined ? { body } : { bodyJwe: encrypted.jwe };
    const envelopeJws = await signEnvelope(
      {
        requestId,
        client: options.client ?? 'psc/front-office',
        service: id,
        purpose: options.purpose ?? 'contract-test',
        // As a gateway sends it: the subject is the body's own when the service names the member (subjectField).
        subject: options.subject ?? (definition && bodySubject(definition, body)) ?? 'test-subject',
        fields: options.fields ?? definition?.fields.map((f) => f.name) ?? [],
        ...sent,
        consumerSignature: 'test',
      },
      key,
      { kid: options.kid ?? keyThumbprint(key), ...(options.now === undefined ? {} : { now: options.now }) },
    );
    if (encrypted !== undefined) this.answerKeys.set(envelopeJws, encrypted.answerKey);
    return envelopeJws;
  }

  /** Gives a raw message to the adapter as its consumer would; undefined when the adapter does not answer it. */
  async send(envelopeJws: string, kafkaKey = 'test-key'): Promise<TestAnswer | undefined> {
    const done = await this.runtime.processor.process(envelopeJws, kafkaKey);
    if (done === undefined) return undefined;
    return this.verify(done.answer, envelopeJws);
  }

  /** Signs an envelope and sends it; the answer must exist. */
  async call(service: string, body: unknown, options: EnvelopeOptions = {}): Promise<TestAnswer> {
    const answer = await this.send(await this.envelope(service, body, options));
    if (answer === undefined) throw new Error(`the adapter did not answer ${service}`);
    return answer;
  }

  /**
   * Verifies an answer with the adapter's public key, bound to `envelopeJws`, as the gateway does: an encrypted one
   * (a JWE, five parts) is decrypted first under the answer key of that envelope's encrypted body.
   */
  async verify(answerJws: string, envelopeJws: string): Promise<TestAnswer> {
    const encrypted = answerJws.split('.').length === 5;
    let jws = answerJws;
    if (encrypted) {
      const answerKey = this.answerKeys.get(envelopeJws);
      if (answerKey === undefined) throw new Error('an encrypted answer to an envelope this test bed sent in clear');
      jws = await decryptAnswer(answerJws, answerKey);
    }
    const answer = await verifyAnswer(jws, envelopeJws, this.adapterKey.publicKey);
    return { status: answer.status, body: answer.body, answer, encrypted };
  }

  async close(): Promise<void> {
    const app = this.appContext;
    this.appContext = undefined;
    await app?.close();
  }
}
