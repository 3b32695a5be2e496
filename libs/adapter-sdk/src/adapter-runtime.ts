import type { Kafka } from 'kafkajs';
import { adapterGroup, parseSystemId, requestTopic } from '@kopir/contracts';
import { RequestConsumer, silentLogger } from '@kopir/messaging';
import { AdapterProcessor, type AdapterProcessorOptions } from './adapter-processor';
import { HealthReporter } from './health-reporter';

/**
 * What an adapter's log line says once it consumes its topic (`mju/population ready: person-by-iin, …`): supervisors
 * without a port to wait for (`kopir up`) wait for it. Logged only after the consumer is positioned.
 */
export const ADAPTER_READY = ' ready:';

export interface AdapterRuntimeOptions extends AdapterProcessorOptions {
  /** Absent: no consumer is started (tests drive {@link AdapterRuntime.processor} directly). */
  readonly kafka?: Kafka;
  /** Requests handled at once (ADAPTER_CONCURRENCY). */
  readonly concurrency: number;
  /** Health file path; absent: health is kept in memory only. */
  readonly healthFile?: string;
  /** Consumer group (default `kopir-adapter-<agency>-<system>`: instances of one adapter share the partitions). */
  readonly groupId?: string;
}

/**
 * One adapter instance: the processor, fed from the agency's request topic by a RequestConsumer with bounded
 * concurrency; replies go to each request's reply-to topic with its correlation id. It opens no listening socket:
 * it only connects out to Kafka.
 */
export class AdapterRuntime {
  readonly processor: AdapterProcessor;
  readonly health: HealthReporter;
  private consumer: RequestConsumer | undefined;

  constructor(private readonly options: AdapterRuntimeOptions) {
    this.processor = new AdapterProcessor(options);
    this.health = new HealthReporter(options.healthFile, options.system, this.processor.services);
  }

  async start(): Promise<void> {
    this.health.set('starting');
    const { kafka } = this.options;
    if (kafka !== undefined) {
      const { agency } = parseSystemId(this.options.system);
      this.consumer = new RequestConsumer({
        kafka,
        groupId: this.options.groupId ?? adapterGroup(this.options.system),
        topics: [requestTopic(agency)],
        concurrency: this.options.concurrency,
        logger: this.options.logger ?? silentLogger,
        handler: async (request) => {
          this.health.begin();
          let status = 'provider_error';
          try {
            const done = await this.processor.process(request.value.toString('utf8'), request.key);
            status = done?.status ?? 'ok';
            return done?.answer;
          } finally {
            this.health.end(status);
          }
        },
      });
      try {
        await this.consumer.start();
      } catch (error) {
        this.health.set('failed', `cannot consume ${requestTopic(agency)}: ${(error as Error).message}`);
        throw error;
      }
    }
    this.health.set('ready');
    this.options.logger?.log(`${this.options.system}${ADAPTER_READY} ${this.processor.services.join(', ')}`);
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer !== undefined) await consumer.stop();
    this.health.set('stopped');
  }
}
