// Placeholder until COPY masking lands: every masked COPY is refused (fail closed).
import type { MaskingProfile } from '@portcullis/detectors';
export interface CopyFormat { readonly format: 'text' | 'csv' | 'binary'; readonly delimiter: string; readonly null: string; readonly quote: string; readonly escape: string; readonly header: boolean }
export interface CopyMasker { push(data: Buffer, findings: Record<string, number>): Buffer; end(): Buffer }
export function copyMasker(_c: unknown, _f: CopyFormat, _p: MaskingProfile): { ok: true; masker: CopyMasker } | { ok: false; message: string } {
  return { ok: false, message: 'not yet' };
}
