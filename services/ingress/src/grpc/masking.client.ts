import * as grpc from '@grpc/grpc-js';
import { FAST_RECONNECT } from '@portcullis/service-kit';
import { maskingV1 } from '@portcullis/proto-gen';

export type MaskOutcome =
  | { readonly ok: true; readonly body: Buffer; readonly findings: Readonly<Record<string, number>> }
  | { readonly ok: false; readonly code: 'MASKING_FAILED' | 'RESPONSE_NOT_MASKABLE'; readonly message: string };

/** Client of the masking service. Any failure is a value the caller must treat as "do not send". */
export class MaskingClient {
  private readonly client: maskingV1.MaskingServiceClient;

  constructor(address: string, private readonly deadlineMs = 5000) {
    this.client = new maskingV1.MaskingServiceClient(address, grpc.credentials.createInsecure(), {
      ...FAST_RECONNECT,
      'grpc.max_send_message_length': 32 << 20,
      'grpc.max_receive_message_length': 32 << 20,
    });
  }

  mask(profile: string, contentType: string, body: Buffer): Promise<MaskOutcome> {
    return new Promise((resolve) => {
      this.client.mask({ profile, contentType, body }, new grpc.Metadata(), { deadline: Date.now() + this.deadlineMs }, (err, res) => {
        if (err) {
          const reason = err.metadata?.get('portcullis-reason')[0];
          const notMaskable = reason === 'UNSUPPORTED_CONTENT_TYPE' || reason === 'INVALID_JSON';
          resolve({ ok: false, code: notMaskable ? 'RESPONSE_NOT_MASKABLE' : 'MASKING_FAILED', message: notMaskable ? err.details : `masking service: ${err.details || 'unavailable'}` });
          return;
        }
        resolve({ ok: true, body: Buffer.from(res.body), findings: res.findings });
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
