import * as grpc from '@grpc/grpc-js';
import type { MaskingProfile } from '@portcullis/detectors';
import { maskingV1 } from '@portcullis/proto-gen';
import { callUnary, FAST_RECONNECT, tlsChannelOptions, type Logger } from '@portcullis/service-kit';
import { maskingProfileFromProto } from './masking-profile.mappers.js';

/**
 * The masking service's profiles, cached for in-process masking on the data path. Loaded at start
 * (retried quickly until the first success) and refreshed periodically; a failed refresh keeps the
 * last good set. Until the first load, every masked response is refused.
 */
export class MaskingProfiles {
  private readonly client: maskingV1.MaskingServiceClient;
  private current: ReadonlyMap<string, MaskingProfile> = new Map();
  private loadedOnce = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    address: string,
    credentials: grpc.ChannelCredentials,
    private readonly logger: Logger,
    private readonly refreshMs = 30_000,
    private readonly retryMs = 250,
    private readonly tokenKey?: Uint8Array,
  ) {
    this.client = new maskingV1.MaskingServiceClient(address, credentials, { ...FAST_RECONNECT, ...tlsChannelOptions('masking') });
  }

  get loaded(): boolean {
    return this.loadedOnce;
  }

  /** The current set (replaced whole on refresh, never mutated). */
  get profiles(): ReadonlyMap<string, MaskingProfile> {
    return this.current;
  }

  start(): void {
    void this.refresh();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.client.close();
  }

  private async refresh(): Promise<void> {
    try {
      const response = await callUnary<maskingV1.GetProfilesResponse>((cb) => this.client.getProfiles({}, new grpc.Metadata(), { deadline: Date.now() + 3000 }, cb));
      this.current = new Map(response.profiles.flatMap((p) => this.toDomain(p)).map((p) => [p.name, p]));
      if (!this.loadedOnce) this.logger.info({ profiles: [...this.current.keys()] }, 'masking profiles loaded');
      this.loadedOnce = true;
    } catch (err) {
      this.logger.warn({ err: (err as grpc.ServiceError).details ?? (err as Error).message, loaded: this.loadedOnce }, 'cannot fetch masking profiles');
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.refresh(), this.loadedOnce ? this.refreshMs : this.retryMs);
  }

  /** A profile this gateway cannot apply as written is dropped: its responses are refused. */
  private toDomain(p: maskingV1.MaskingProfile): MaskingProfile[] {
    const mapped = maskingProfileFromProto(p, this.tokenKey);
    if (mapped.ok) return [mapped.profile];
    this.logger.error({ profile: p.name, problems: mapped.problems }, 'masking profile cannot be applied by this gateway; responses using it are refused');
    return [];
  }
}
