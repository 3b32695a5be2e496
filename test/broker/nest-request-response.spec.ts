/**
 * The @nestjs/microservices Kafka transport, unmodified, against the embedded broker: a tiny microservice with
 * @MessagePattern handlers (ServerKafka) and a ClientKafka that sends requests and awaits the replies, which ServerKafka
 * produces to the reply topic and partition named in the request's kafka_replyTopic / kafka_replyPartition headers.
 */
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientKafka,
  MessagePattern,
  Payload,
  RpcException,
  Transport,
  type MicroserviceOptions,
} from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import { logLevel } from 'kafkajs';
import { firstValueFrom, timeout } from 'rxjs';
import { brokerFixture, type BrokerFixture } from './broker-fixture';

interface SumRequest {
  readonly id: string;
  readonly terms: readonly number[];
}

@Controller()
class CalculatorController {
  @MessagePattern('kopir.test.sum')
  sum(@Payload() request: SumRequest): { id: string; sum: number; pid: number } {
    return { id: request.id, sum: request.terms.reduce((a, b) => a + b, 0), pid: process.pid };
  }

  @MessagePattern('kopir.test.upper')
  upper(@Payload() request: { text: string }): string {
    return request.text.toUpperCase();
  }

  @MessagePattern('kopir.test.fail')
  fail(@Payload() request: { reason: string }): never {
    throw new RpcException({ code: 'provider_error', reason: request.reason });
  }
}

@Module({ controllers: [CalculatorController] })
class CalculatorModule {}

const kafkaClient = (address: string, clientId: string) => ({
  brokers: [address],
  clientId,
  logLevel: logLevel.NOTHING,
  retry: { retries: 5, initialRetryTime: 100 },
});

describe('NestJS Kafka transport request-response (ClientKafka / ServerKafka)', () => {
  let fixture: BrokerFixture;
  let server: INestMicroservice;
  let client: ClientKafka;

  beforeAll(async () => {
    fixture = await brokerFixture({ defaultPartitions: 3 });
    server = await NestFactory.createMicroservice<MicroserviceOptions>(CalculatorModule, {
      transport: Transport.KAFKA,
      options: {
        client: kafkaClient(fixture.broker.address, 'calculator'),
        consumer: { groupId: 'calculator', sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 },
      },
      logger: false,
    });
    await server.listen();

    client = new ClientKafka({
      client: kafkaClient(fixture.broker.address, 'caller'),
      consumer: { groupId: 'caller', sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 },
    });
    for (const pattern of ['kopir.test.sum', 'kopir.test.upper', 'kopir.test.fail'])
      client.subscribeToResponseOf(pattern);
    await client.connect();
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
    await fixture?.dispose();
  });

  const send = <T>(pattern: string, data: unknown): Promise<T> =>
    firstValueFrom(client.send<T>(pattern, data).pipe(timeout(20_000)));

  it('answers one request', async () => {
    await expect(send('kopir.test.sum', { id: 'first', terms: [1, 2, 3] })).resolves.toEqual({
      id: 'first',
      sum: 6,
      pid: process.pid,
    });
  });

  it('answers 200 concurrent requests on two patterns, each reply matching its own request', async () => {
    const requests = Array.from({ length: 200 }, (_, i) => ({
      id: `req-${i}`,
      terms: Array.from({ length: (i % 7) + 1 }, (_, k) => i * 10 + k),
    }));
    const [sums, uppers] = await Promise.all([
      Promise.all(requests.map((r) => send<{ id: string; sum: number }>('kopir.test.sum', r))),
      Promise.all(requests.map((r) => send<string>('kopir.test.upper', { text: `hello ${r.id}` }))),
    ]);
    sums.forEach((reply, i) => {
      const request = requests[i] as SumRequest;
      expect(reply.id).toBe(request.id);
      expect(reply.sum).toBe(request.terms.reduce((a, b) => a + b, 0));
    });
    expect(uppers).toEqual(requests.map((r) => `HELLO ${r.id.toUpperCase()}`));
  });

  it('delivers a handler error to the caller as an error, not as a reply, and keeps serving', async () => {
    await expect(send('kopir.test.fail', { reason: 'registry down' })).rejects.toEqual({
      code: 'provider_error',
      reason: 'registry down',
    });
    await expect(send('kopir.test.sum', { id: 'after-error', terms: [40, 2] })).resolves.toMatchObject({
      id: 'after-error',
      sum: 42,
    });
  });

  it('sequential requests keep working (reply consumer stays assigned)', async () => {
    for (let i = 0; i < 20; i++) {
      await expect(send('kopir.test.sum', { id: `seq-${i}`, terms: [i, i] })).resolves.toMatchObject({
        id: `seq-${i}`,
        sum: 2 * i,
      });
    }
  });

  it('logged no broker error while serving them', () => {
    expect(fixture.logs.filter((line) => line.startsWith('error'))).toEqual([]);
  });
});
