import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { EventStore } from '../event-store/event-store.port.js';

@Controller('health')
export class HealthController {
  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  @Get()
  async health(): Promise<{ status: 'ok'; store: { kind: string; reachable: true } }> {
    try {
      await this.store.ping();
    } catch (error) {
      throw new ServiceUnavailableException({ status: 'unavailable', store: { kind: this.store.name, reachable: false, error: String(error) } });
    }
    return { status: 'ok', store: { kind: this.store.name, reachable: true } };
  }
}
